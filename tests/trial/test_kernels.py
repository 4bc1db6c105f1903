"""The CPU kernel swaps keep the weights and the maths of the modules they replace."""

from __future__ import annotations

import torch
from torch import nn

from budget_hpo.trial.kernels import FastDropout, PointwiseConv1d, use_fast_kernels
from budget_hpo.trial.throughput import training_step_flops


def test_pointwise_conv_matches_conv1d_forward_and_backward():
    torch.manual_seed(0)
    conv = nn.Conv1d(6, 10, kernel_size=1)
    fast = nn.Conv1d(6, 10, kernel_size=1)
    fast.load_state_dict(conv.state_dict())
    fast.__class__ = PointwiseConv1d
    x = torch.randn(4, 6, 7, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    conv(x).pow(2).sum().backward()
    fast(x2).pow(2).sum().backward()
    torch.testing.assert_close(conv(x), fast(x2))
    torch.testing.assert_close(x.grad, x2.grad)
    torch.testing.assert_close(conv.weight.grad, fast.weight.grad)


def test_fast_dropout_keeps_the_expected_value_and_drop_rate():
    torch.manual_seed(0)
    drop = FastDropout(p=0.3)
    x = torch.ones(200_000)
    y = drop(x)
    assert abs((y == 0).float().mean().item() - 0.3) < 0.01
    assert abs(y.mean().item() - 1.0) < 0.01
    assert torch.equal(drop.eval()(x), x)


def test_swap_keeps_parameters_and_counts_modules():
    model = nn.Sequential(nn.Conv1d(4, 8, 1), nn.Dropout(0.1), nn.Conv1d(8, 4, 3), nn.Linear(4, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert use_fast_kernels(model) == 2
    assert isinstance(model[0], PointwiseConv1d) and isinstance(model[1], FastDropout)
    assert type(model[2]) is nn.Conv1d  # kernel 3: left alone
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_training_step_flops_match_the_dense_estimate(compose_cfg):
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.validate import check_config

    cfg = compose_cfg(["trainer=smoke"])
    arch = check_config(cfg)
    model = build_model(cfg, arch, n_series=32)
    flops = training_step_flops(model, windows=32, input_size=64, n_series=32)
    tokens = 32 * 32
    dense = 6 * arch.formula_params * tokens  # forward 2·P·T, backward 4·P·T
    assert 0.9 * dense < flops < 1.5 * dense

"""The CPU kernel swaps keep the weights and the maths of the modules they replace."""

from __future__ import annotations

import math
import statistics

import pytest
import torch
from torch import nn

from budget_hpo.trial.dropout import FastDropout, keep_mask
from budget_hpo.trial.kernels import use_fast_kernels
from budget_hpo.trial.layers import PointwiseConv1d
from budget_hpo.trial.throughput import training_step, training_step_flops


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


@pytest.mark.parametrize("p", [0.1, 0.5, 0.7])
def test_fast_dropout_keep_rate_is_within_three_standard_errors(p):
    torch.manual_seed(0)
    n = 4_000_000
    y = FastDropout(p=p)(torch.ones(n))
    kept = (y != 0).float().mean().item()
    assert abs(kept - (1 - p)) < 3 * math.sqrt(p * (1 - p) / n)
    assert abs(y.mean().item() - 1.0) < 3 * math.sqrt(p / (1 - p) / n)  # unbiased
    assert torch.equal(FastDropout(p=p).eval()(torch.ones(10)), torch.ones(10))


def test_fast_dropout_equals_stock_dropout_given_the_same_mask():
    """Forward and backward of FastDropout and nn.Dropout agree when their masks are equal."""
    torch.manual_seed(1)
    p = 0.5  # k / 65536 == 1 - p exactly: the same scale as nn.Dropout's
    x = torch.randn(64, 33, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    state = torch.get_rng_state()
    fast = FastDropout(p=p)(x)
    torch.set_rng_state(state)
    mask = keep_mask(x, p)  # the same draw
    stock = x2 * ((mask != 0).to(x2.dtype) / (1 - p))  # nn.Dropout's maths with that mask
    torch.testing.assert_close(fast, stock)
    fast.pow(2).sum().backward()
    stock.pow(2).sum().backward()
    torch.testing.assert_close(x.grad, x2.grad)
    assert 0.4 < (mask != 0).float().mean().item() < 0.6


def test_swap_keeps_parameters_and_counts_modules():
    model = nn.Sequential(nn.Conv1d(4, 8, 1), nn.Dropout(0.1), nn.Conv1d(8, 4, 3), nn.Linear(4, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert use_fast_kernels(model) == 2
    assert isinstance(model[0], PointwiseConv1d) and isinstance(model[1], FastDropout)
    assert type(model[2]) is nn.Conv1d  # kernel 3: left alone
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_training_step_flops_match_the_dense_estimate(compose_cfg):
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.validation import check_config

    cfg = compose_cfg(["trainer=smoke"])
    arch = check_config(cfg)
    model = build_model(cfg, arch, n_series=32)
    flops = training_step_flops(model, windows=32, input_size=64, n_series=32)
    tokens = 32 * 32
    dense = 6 * arch.formula_params * tokens  # forward 2·P·T, backward 4·P·T
    assert 0.9 * dense < flops < 1.5 * dense


def test_training_step_trains_every_parameter_through_the_given_forward(compose_cfg):
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.validation import check_config

    cfg = compose_cfg(["trainer=smoke"])
    model = build_model(cfg, check_config(cfg), n_series=8)
    shapes = []

    def forward(batch):
        shapes.append(tuple(batch["insample_y"].shape))
        return model(batch)

    step = training_step(model, windows=4, input_size=64, n_series=8, forward=forward)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    step()
    step()
    assert shapes == [(4, 64, 8)] * 2  # the given forward ran, on [windows, input_size, series]
    assert model.training
    unchanged = [n for n, p in model.named_parameters() if torch.equal(before[n], p.detach())]
    assert not unchanged


class _MaskDropout(nn.Module):
    """A dropout that multiplies by a given (scaled) mask: the stock module with that mask."""

    def __init__(self, mask, p):
        super().__init__()
        self.mask, self.p = mask, p

    def forward(self, x):
        return x * self.mask


def test_fast_attention_equals_the_stock_attention_given_the_same_mask():
    from neuralforecast.common._modules import FullAttention

    torch.manual_seed(2)
    p = 0.3
    q, k, v = (torch.randn(4, 6, 2, 8, requires_grad=True) for _ in range(3))  # [B, L, H, E]
    fast = FullAttention(mask_flag=False, attention_dropout=p)
    assert use_fast_kernels(fast) == 2  # the attention and its (now unused) dropout
    assert type(fast).__name__ == "FastFullAttention"
    fast.train()
    state = torch.get_rng_state()
    out, _ = fast(q, k, v, None)
    torch.set_rng_state(state)
    mask = keep_mask(torch.empty(4, 2, 6, 6), p)  # the same draw, at the weights' shape
    stock = FullAttention(mask_flag=False, attention_dropout=p, output_attention=True)
    stock.dropout = _MaskDropout(mask, p)  # the explicit (einsum) path with that mask
    stock.train()
    q2, k2, v2 = (t.detach().clone().requires_grad_(True) for t in (q, k, v))
    ref, _ = stock(q2, k2, v2, None)
    torch.testing.assert_close(out, ref)
    out.pow(2).sum().backward()
    ref.pow(2).sum().backward()
    for a, b in ((q, q2), (k, k2), (v, v2)):
        torch.testing.assert_close(a.grad, b.grad)
    fast.eval()  # evaluation: the fused kernel, no dropout, as before
    torch.testing.assert_close(fast(q, k, v, None)[0],
                               FullAttention(mask_flag=False, attention_dropout=p).eval()(
                                   q, k, v, None)[0])


@pytest.mark.slow
def test_a_trial_with_the_fast_kernels_scores_within_seed_noise_of_the_stock_one(compose_cfg):
    from budget_hpo.trial.run import run_trial
    from tests.helpers import SMALL

    # a 40k model: the same kernels (attention, dropout, encoder layer, AdamW) at 2.3x less time
    aucs = {fast: [run_trial(compose_cfg([*SMALL, "budget=40k", "trainer.max_steps=60",
                                          f"seed={seed}", f"trainer.fast_kernels={fast}"])).val_auc
                   for seed in range(4)] for fast in (True, False)}
    noise = math.sqrt((statistics.variance(aucs[True]) + statistics.variance(aucs[False])) / 4)
    gap = abs(statistics.mean(aucs[True]) - statistics.mean(aucs[False]))
    assert gap <= 3 * noise, (aucs, gap, noise)  # the paths differ only in their random masks


def test_masks_repeat_under_a_seed_and_differ_between_calls():
    x = torch.empty(64, 128)
    torch.manual_seed(5)
    first, second = keep_mask(x, 0.3), keep_mask(x, 0.3)
    torch.manual_seed(5)
    assert torch.equal(keep_mask(x, 0.3), first)  # seeded by torch's default generator
    assert not torch.equal(first, second)
    assert torch.equal(first.unique(), torch.tensor([0.0, 65536 / round(65536 * 0.7)]))


class _Masks(nn.Module):
    """A dropout that multiplies its i-th input by the i-th given mask."""

    def __init__(self, masks):
        super().__init__()
        self.masks, self.calls = masks, 0

    def forward(self, x):
        self.calls += 1
        return x * self.masks[self.calls - 1]


def _encoder_layer(p: float):
    from neuralforecast.common._modules import (
        AttentionLayer,
        FullAttention,
        TransEncoderLayer,
    )
    from torch.nn import functional as F

    attention = AttentionLayer(FullAttention(False, attention_dropout=p), 16, 4)
    return TransEncoderLayer(attention, 16, 64, dropout=p, activation=F.gelu)


def test_fast_encoder_layer_equals_the_stock_layer_given_the_same_masks(monkeypatch):
    """Re-classed layers (fused query/key/value, linear feed-forward) compute the stock layer's
    forward and backward with the same dropout masks, on the same parameters."""
    from budget_hpo.trial import dropout
    from budget_hpo.trial.layers import FastAttentionLayer, FastTransEncoderLayer

    torch.manual_seed(3)
    p = 0.4
    stock = _encoder_layer(p).train()
    fast = _encoder_layer(p).train()
    fast.load_state_dict(stock.state_dict())
    assert use_fast_kernels(fast) == 7  # the layer, attention layer and attention, 2 dropouts
    # and 2 pointwise convolutions
    assert isinstance(fast, FastTransEncoderLayer)
    assert isinstance(fast.attention, FastAttentionLayer)
    assert [k for k, _ in fast.named_parameters()] == [k for k, _ in stock.named_parameters()]
    b, n, d, f = 3, 5, 16, 64

    def scaled(*shape):
        return (torch.rand(shape) > p).float() / (1 - p)

    masks = [scaled(b, 4, n, n), scaled(b, n, d), scaled(b, n, f), scaled(b, n, d)]
    given = iter(masks)  # drawn in the stock order: weights, attention out, hidden, out
    monkeypatch.setattr(dropout, "keep_mask", lambda t, q: next(given))
    stock.attention.inner_attention.output_attention = True  # the explicit (einsum) path
    stock.attention.inner_attention.dropout = _Masks(masks[:1])
    stock.dropout = _Masks([masks[1], masks[2].transpose(1, 2), masks[3]])  # [B, d_ff, N] there
    x = torch.randn(b, n, d, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    got, _ = fast(x2, attn_mask=None)
    want, _ = stock(x, attn_mask=None)
    torch.testing.assert_close(got, want)
    got.pow(2).sum().backward()
    want.pow(2).sum().backward()
    torch.testing.assert_close(x2.grad, x.grad)
    grads = dict(stock.named_parameters())
    for name, param in fast.named_parameters():
        torch.testing.assert_close(param.grad, grads[name].grad, msg=name)
    stock.attention.inner_attention.output_attention = False
    stock.attention.inner_attention.dropout = stock.dropout = nn.Dropout(p)
    fast.eval()  # evaluation: the stock attention path, the linear feed-forward
    stock.eval()
    torch.testing.assert_close(fast(x, attn_mask=None)[0], stock(x, attn_mask=None)[0])


def test_a_built_model_gets_the_fast_layers_and_keeps_its_parameters(compose_cfg):
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.validation import check_config

    fast_cfg = compose_cfg(["trainer=smoke", "trainer.fast_kernels=true"])
    stock_cfg = compose_cfg(["trainer=smoke", "trainer.fast_kernels=false"])
    torch.manual_seed(0)
    fast = build_model(fast_cfg, check_config(fast_cfg), n_series=8)
    torch.manual_seed(0)
    stock = build_model(stock_cfg, check_config(stock_cfg), n_series=8)
    kinds = {type(m).__name__ for m in fast.modules()}
    assert {"FastTransEncoderLayer", "FastAttentionLayer", "FastFullAttention"} <= kinds
    assert not kinds & {"TransEncoderLayer", "AttentionLayer", "FullAttention", "Dropout"}
    fast_state, stock_state = fast.state_dict(), stock.state_dict()
    assert list(fast_state) == list(stock_state)
    assert all(torch.equal(fast_state[k], stock_state[k]) for k in stock_state)

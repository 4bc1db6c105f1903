"""Training throughput: the machine's matmul rate and a model's FLOPs per training step.

MFU (model FLOPs utilisation) = FLOPs per step × steps / training seconds / matmul rate, where
the FLOPs are counted by PyTorch's ``FlopCounterMode`` on one real forward + backward pass.
:func:`training_step` is the bare step (no Lightning, no data loader) the benchmarks time.
Benchmark code: ``scripts/`` uses it, the product does not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from budget_hpo.trial.models import model_batch

__all__ = ["matmul_rate", "training_step", "training_step_flops"]


def matmul_rate(
    n: int = 2048,
    repeats: int = 10,
    dtype: Any = None,
    device: str = "cpu",
    shape: tuple[int, int, int] | None = None,
) -> float:
    """Best-of-``repeats`` rate of an ``n×n`` (or ``m×k @ k×n`` for ``shape=(m, k, n)``) matrix
    multiply, in FLOP/s."""
    import torch

    dtype = dtype or torch.float32
    m, k, n2 = shape or (n, n, n)
    a = torch.randn(m, k, dtype=dtype, device=device)
    b = torch.randn(k, n2, dtype=dtype, device=device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    for _ in range(3):
        a @ b
    sync()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        sync()
        best = min(best, time.perf_counter() - start)
    return 2.0 * m * k * n2 / best


def training_step_flops(model: Any, windows: int, input_size: int, n_series: int) -> int:
    """FLOPs of one training step (forward and backward) of a neuralforecast multivariate model.

    Args:
        model: a built neuralforecast model (iTransformer-like: ``insample_y`` is [B, L, N]).
        windows: windows per step (``model.batch_size`` in the config).
        input_size: lookback length L.
        n_series: series N.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    device = next(model.parameters()).device
    batch = model_batch(torch.randn(windows, input_size, n_series, device=device))
    model.train()
    counter = FlopCounterMode(display=False)
    with counter:
        out = model(batch)
        out.float().pow(2).mean().backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())


def training_step(
    model: Any, windows: int, input_size: int, n_series: int, *, horizon: int = 1,
    fused: bool = True, forward: Callable[[Any], Any] | None = None,
) -> Callable[[], None]:
    """One training step of ``model`` on a fixed random batch, as a callable: zero the
    gradients, MSE forward and backward, an AdamW step (``fused``: one kernel for all
    parameters, as trials with fast kernels use). ``forward`` replaces ``model``'s own (e.g. a
    compiled one); the parameters stay ``model``'s."""
    import torch

    device = next(model.parameters()).device
    batch = model_batch(torch.randn(windows, input_size, n_series, device=device))
    target = torch.randn(windows, horizon, n_series, device=device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=fused)
    run = model if forward is None else forward
    model.train()

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        ((run(batch) - target) ** 2).mean().backward()
        optimizer.step()

    return step

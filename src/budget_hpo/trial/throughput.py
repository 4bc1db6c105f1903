"""Training throughput: the machine's matmul rate and a model's FLOPs per training step.

MFU (model FLOPs utilisation) = FLOPs per step × steps / training seconds / matmul rate, where
the FLOPs are counted by PyTorch's ``FlopCounterMode`` on one real forward + backward pass.
"""

from __future__ import annotations

import time
from typing import Any

__all__ = ["matmul_rate", "training_step_flops"]


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
    x = torch.randn(windows, input_size, n_series, device=device)  # [B, L, N]
    batch = {"insample_y": x, "insample_mask": torch.ones_like(x), "futr_exog": None,
             "hist_exog": None, "stat_exog": None}
    model.train()
    counter = FlopCounterMode(display=False)
    with counter:
        out = model(batch)
        out.float().pow(2).mean().backward()
    model.zero_grad(set_to_none=True)
    return int(counter.get_total_flops())

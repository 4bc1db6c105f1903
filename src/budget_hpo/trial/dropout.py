"""Dropout with masks from 16 random bits per element, for layers and attention alike.

On CPU, PyTorch's ``nn.Dropout`` draws its mask with ``bernoulli_`` (measured ~4x slower than
``rand_like`` here, which itself draws 32 random bits per element). :class:`FastDropout` draws
16 bits per element instead, from numpy's SFC64 generator (:func:`random_words`: one 64-bit word
gives the keep/drop decision of four elements, about twice the rate of ``randint``'s Mersenne
Twister), compared straight into the float mask and scaled in place (``scripts/bench_kernels.py``
and ``tests/trial/test_kernels.py`` measure it). The keep probability is ``k / 65536`` with
``k = round(65536 (1 - p))``: the rate differs from ``1 - p`` by at most 1/131072 (far below the
1/256 allowed), and kept values are scaled by ``65536 / k``, so the expected output equals the
input exactly. Each mask seeds its generator with one draw from torch's default generator, so a
seeded trial repeats.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["LEVELS", "FastDropout", "attend", "keep_mask", "random_words"]

LEVELS = 65536  # 16 random bits per element


def random_words(n: int, device: torch.device) -> torch.Tensor:
    """``n`` uniform 64-bit words. On CPU from numpy's SFC64 (about 2x the rate of ``randint``'s
    Mersenne Twister here), seeded by one draw from torch's default generator, so a seeded run
    repeats; elsewhere from ``randint`` on ``device``."""
    if device.type != "cpu":
        return torch.randint(-(2**63), 2**63 - 1, (n,), dtype=torch.int64, device=device)
    seed = int(torch.randint(0, 2**63 - 1, (1,)))
    return torch.from_numpy(np.random.SFC64(seed).random_raw(n).view(np.int64))


def keep_mask(x: torch.Tensor, p: float) -> torch.Tensor:
    """Dropout's scaled mask for ``x``: ``LEVELS / k`` where kept (probability ``k / LEVELS``,
    ``k = round(LEVELS (1 - p))``), else 0; its bits from :func:`random_words`."""
    keep = round(LEVELS * (1.0 - p))
    n = x.numel()
    bits = random_words((n + 3) // 4, x.device).view(torch.int16)[:n].view(x.shape)
    mask = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    torch.lt(bits, keep - LEVELS // 2, out=mask)  # 1 where kept: bits uniform on -32768..32767
    return mask.mul_(LEVELS / keep)


class FastDropout(nn.Dropout):
    """Inverted dropout with a mask from 16 random bits per element (see the module docs)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if round(LEVELS * (1.0 - self.p)) == 0:
            return torch.zeros_like(x)
        return x * keep_mask(x, self.p)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float, p: float
           ) -> torch.Tensor:
    """``softmax(scale q kᵀ)``, dropped out with :func:`keep_mask`, times ``v`` (``[B, H, L, E]``
    each): the maths of ``scaled_dot_product_attention``'s own dropout path."""
    if p == 0.0:
        return F.scaled_dot_product_attention(q, k, v, scale=scale)
    weights = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, dim=-1)
    return torch.matmul(weights * keep_mask(weights, p), v)

"""Faster CPU kernels for the transformer building blocks, swapped in place (same weights, same
maths).

On CPU, PyTorch's ``nn.Dropout`` draws its mask with ``bernoulli_`` (measured ~4x slower than
``rand_like`` here, which itself draws 32 random bits per element). :class:`FastDropout` draws
16 bits per element instead: one 64-bit draw (``randint``) gives the keep/drop decision of four
elements, and the mask is made and scaled in one expression (``scripts/bench_trial.py`` and
``tests/trial/test_kernels.py`` measure it). The keep probability is ``k / 65536`` with
``k = round(65536 (1 - p))``: the rate differs from ``1 - p`` by at most 1/131072 (far below the
1/256 allowed), and kept values are scaled by ``65536 / k``, so the expected output equals the
input exactly. neuralforecast's encoder layers run their feed-forward network as
``Conv1d(kernel_size=1)``, whose mkldnn backward is much slower than the equivalent matrix
multiply. :func:`use_fast_kernels` re-classes those modules in place: the parameters, their names
and the parameter count stay exactly as built, so checkpoints and counts are unaffected.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["FastDropout", "FastFullAttention", "PointwiseConv1d", "keep_mask", "use_fast_kernels"]

LEVELS = 65536  # 16 random bits per element


def keep_mask(x: torch.Tensor, p: float) -> torch.Tensor:
    """Dropout's scaled mask for ``x``: ``LEVELS / k`` where kept (probability ``k / LEVELS``,
    ``k = round(LEVELS (1 - p))``), else 0; from the default generator of ``x``'s device."""
    keep = round(LEVELS * (1.0 - p))
    n = x.numel()
    words = torch.randint(-(2**63), 2**63 - 1, ((n + 3) // 4,), dtype=torch.int64,
                          device=x.device)
    bits = words.view(torch.int16)[:n].view(x.shape)  # uniform over -32768..32767
    return (bits < keep - LEVELS // 2).to(x.dtype).mul_(LEVELS / keep)


class FastDropout(nn.Dropout):
    """Inverted dropout with a mask from 16 random bits per element (see the module docs)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if round(LEVELS * (1.0 - self.p)) == 0:
            return torch.zeros_like(x)
        return x * keep_mask(x, self.p)


def _full_attention() -> type[nn.Module]:
    from neuralforecast.common._modules import FullAttention

    return FullAttention


@functools.cache
def _fast_attention_class() -> type[nn.Module]:
    return type("FastFullAttention", (FastFullAttention, _full_attention()), {})


class FastFullAttention(nn.Module):
    """neuralforecast's ``FullAttention`` whose attention dropout uses :func:`keep_mask`.

    Training with dropout: ``softmax(scale q kᵀ)``, times the mask, times ``v`` (the maths of
    ``scaled_dot_product_attention``'s own dropout path). Anything else (evaluation, no dropout,
    a causal mask, returned attention weights) runs the original forward.
    """

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                attn_mask: object, tau: object = None, delta: object = None
                ) -> tuple[torch.Tensor, None]:
        dropout: Any = self.dropout
        p = float(dropout.p)
        if (not self.training or p == 0.0 or self.output_attention
                or (self.mask_flag and attn_mask)):
            return _full_attention().forward(self, queries, keys, values, attn_mask, tau, delta)
        q, k, v = (t.permute(0, 2, 1, 3) for t in (queries, keys, values))  # [B, H, L, E]
        custom: Any = self.scale
        scale = float(custom) if custom else 1.0 / math.sqrt(q.shape[-1])
        weights = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, dim=-1)
        out = torch.matmul(weights * keep_mask(weights, p), v)
        return out.permute(0, 2, 1, 3).contiguous(), None


class PointwiseConv1d(nn.Conv1d):
    """``Conv1d`` with ``kernel_size=1`` computed as a matrix multiply over the channel axis."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [B, C_in, L]
        y = F.linear(x.transpose(1, 2), self.weight.squeeze(-1), self.bias)  # [B, L, C_out]
        return y.transpose(1, 2)  # [B, C_out, L]


def _is_pointwise(conv: nn.Conv1d) -> bool:
    return (
        conv.kernel_size == (1,)
        and conv.stride == (1,)
        and conv.dilation == (1,)
        and conv.groups == 1
        and conv.padding in ((0,), "valid")
    )


def use_fast_kernels(model: nn.Module) -> int:
    """Re-class dropout and pointwise-convolution modules of ``model`` in place.

    Returns:
        The number of modules swapped.
    """
    swapped = 0
    attention = _full_attention()
    for module in model.modules():
        if type(module) is attention:
            module.__class__ = _fast_attention_class()
            swapped += 1
        elif type(module) is nn.Dropout:
            module.__class__ = FastDropout
            swapped += 1
        elif type(module) is nn.Conv1d and _is_pointwise(module):
            module.__class__ = PointwiseConv1d
            swapped += 1
    return swapped

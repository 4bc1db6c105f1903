"""Faster CPU kernels for the transformer building blocks, swapped in place (same weights, same
maths).

On CPU, PyTorch's ``nn.Dropout`` draws its mask with ``bernoulli_`` (measured ~4x slower than
``rand_like`` here, which itself draws 32 random bits per element). :class:`FastDropout` draws
16 bits per element instead, from numpy's SFC64 generator (:func:`random_words`: one 64-bit word
gives the keep/drop decision of four elements, about twice the rate of ``randint``'s Mersenne
Twister), compared straight into the float mask and scaled in place (``scripts/bench_kernels.py``
and ``tests/trial/test_kernels.py`` measure it). The keep probability is ``k / 65536`` with
``k = round(65536 (1 - p))``: the rate differs from ``1 - p`` by at most 1/131072 (far below the
1/256 allowed), and kept values are scaled by ``65536 / k``, so the expected output equals the
input exactly. Each mask seeds its generator with one draw from torch's default generator, so a
seeded trial repeats. neuralforecast's encoder layers run their feed-forward network as
``Conv1d(kernel_size=1)``, whose mkldnn backward is much slower than the equivalent matrix
multiply. :func:`use_fast_kernels` re-classes those modules, the attention and the encoder layers
(:mod:`budget_hpo.trial.layers`) in place: the parameters, their names and the parameter count
stay exactly as built, so checkpoints and counts are unaffected.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = [
    "FastDropout", "FastFullAttention", "PointwiseConv1d", "attend", "attention_scale",
    "keep_mask", "random_words", "stock_class", "use_fast_kernels",
]

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


def attention_scale(attention: Any, head_dim: int) -> float:
    """The softmax scale of neuralforecast's ``FullAttention``: its own, else 1/sqrt(E)."""
    return float(attention.scale) if attention.scale else 1.0 / math.sqrt(head_dim)


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float, p: float
           ) -> torch.Tensor:
    """``softmax(scale q kᵀ)``, dropped out with :func:`keep_mask`, times ``v`` (``[B, H, L, E]``
    each): the maths of ``scaled_dot_product_attention``'s own dropout path."""
    if p == 0.0:
        return F.scaled_dot_product_attention(q, k, v, scale=scale)
    weights = torch.softmax(torch.matmul(q, k.transpose(-1, -2)) * scale, dim=-1)
    return torch.matmul(weights * keep_mask(weights, p), v)


class FastFullAttention(nn.Module):
    """neuralforecast's ``FullAttention`` whose attention dropout uses :func:`keep_mask`.

    Training with dropout: :func:`attend`. Anything else (evaluation, no dropout, a causal mask,
    returned attention weights) runs the original forward.
    """

    def forward(self, queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor,
                attn_mask: object, tau: object = None, delta: object = None
                ) -> tuple[torch.Tensor, None]:
        dropout: Any = self.dropout
        p = float(dropout.p)
        if not self.training or p == 0.0 or not self.plain(attn_mask):
            return stock_class(self).forward(self, queries, keys, values, attn_mask, tau, delta)
        q, k, v = (t.permute(0, 2, 1, 3) for t in (queries, keys, values))  # [B, H, L, E]
        out = attend(q, k, v, attention_scale(self, q.shape[-1]), p)
        return out.permute(0, 2, 1, 3).contiguous(), None

    def plain(self, attn_mask: object) -> bool:
        """Whether :func:`attend` computes this attention: no weights to return, no mask."""
        return not self.output_attention and not (self.mask_flag and attn_mask)


def stock_class(module: nn.Module) -> Any:
    """The neuralforecast class ``module`` was re-classed from (the base after our mixin)."""
    return type(module).__mro__[2]


@functools.cache
def _fast_classes() -> dict[type[nn.Module], type[nn.Module]]:
    """neuralforecast class -> its re-class: our mixin first, the stock class as its base."""
    from neuralforecast.common import _modules as nf

    from budget_hpo.trial.layers import FastAttentionLayer, FastTransEncoderLayer

    mixins = {nf.FullAttention: FastFullAttention, nf.AttentionLayer: FastAttentionLayer,
              nf.TransEncoderLayer: FastTransEncoderLayer}
    return {stock: type(fast.__name__, (fast, stock), {}) for stock, fast in mixins.items()}


class PointwiseConv1d(nn.Conv1d):
    """``Conv1d`` with ``kernel_size=1`` computed as a matrix multiply over the channel axis."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: [B, C_in, L]
        return self.channels_last(x.transpose(1, 2)).transpose(1, 2)  # [B, C_out, L]

    def channels_last(self, x: torch.Tensor) -> torch.Tensor:
        """The same map on ``[B, L, C_in]`` (no transposes): ``[B, L, C_out]``."""
        return F.linear(x, self.weight.squeeze(-1), self.bias)


def _is_pointwise(conv: Any) -> bool:
    """Whether ``conv`` is a matrix multiply over channels (kernel 1, no stride, no padding)."""
    return (
        conv.kernel_size == (1,)
        and conv.stride == (1,)
        and conv.dilation == (1,)
        and conv.groups == 1
        and conv.padding in ((0,), "valid")
    )


def use_fast_kernels(model: nn.Module) -> int:
    """Re-class neuralforecast's encoder layers, attention, dropout and pointwise-convolution
    modules of ``model`` in place.

    Returns:
        The number of modules swapped.
    """
    swapped = 0
    fast = _fast_classes()
    for module in model.modules():
        kind = type(module)
        if kind in fast:
            module.__class__ = fast[kind]
        elif kind is nn.Dropout:
            module.__class__ = FastDropout
        elif kind is nn.Conv1d and _is_pointwise(module):
            module.__class__ = PointwiseConv1d
        else:
            continue
        swapped += 1
    return swapped

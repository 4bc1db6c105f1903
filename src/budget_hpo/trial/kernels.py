"""Faster CPU kernels for the transformer building blocks, swapped in place (same weights, same
maths).

On CPU, PyTorch's ``nn.Dropout`` draws its mask with ``bernoulli_``, which measured ~4x slower than
``rand_like`` here, and neuralforecast's encoder layers run their feed-forward network as
``Conv1d(kernel_size=1)``, whose mkldnn backward is much slower than the equivalent matrix multiply.
:func:`use_fast_kernels` re-classes those modules in place: the parameters, their names and the
parameter count stay exactly as built, so checkpoints and counts are unaffected.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["FastDropout", "PointwiseConv1d", "use_fast_kernels"]


class FastDropout(nn.Dropout):
    """Inverted dropout with a mask drawn by ``rand_like`` (same distribution as ``nn.Dropout``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        if self.p >= 1.0:
            return torch.zeros_like(x)
        mask = torch.rand_like(x).ge_(self.p).mul_(1.0 / (1.0 - self.p))  # 0 or 1/(1-p), no grad
        return x * mask


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
    for module in model.modules():
        if type(module) is nn.Dropout:
            module.__class__ = FastDropout
            swapped += 1
        elif type(module) is nn.Conv1d and _is_pointwise(module):
            module.__class__ = PointwiseConv1d
            swapped += 1
    return swapped

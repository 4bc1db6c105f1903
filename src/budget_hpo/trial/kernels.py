"""Faster CPU kernels for the transformer building blocks, swapped in place (same weights, same
maths).

:func:`use_fast_kernels` re-classes a built model's modules: ``nn.Dropout`` becomes
:class:`~budget_hpo.trial.dropout.FastDropout` (masks from 16 random bits per element), and
neuralforecast's encoder layers, attention layers, attention and pointwise ``Conv1d`` become the
forwards of :mod:`budget_hpo.trial.layers` (the feed-forward network as matrix multiplies: the
mkldnn backward of ``Conv1d(kernel_size=1)`` is much slower). The parameters, their names and the
parameter count stay exactly as built, so checkpoints and counts are unaffected
(``scripts/bench_kernels.py`` and ``tests/trial/test_kernels.py`` measure it).
"""

from __future__ import annotations

import functools
from typing import Any

from torch import nn

from budget_hpo.trial.dropout import FastDropout
from budget_hpo.trial.layers import (
    FastAttentionLayer,
    FastFullAttention,
    FastTransEncoderLayer,
    PointwiseConv1d,
)

__all__ = ["use_fast_kernels"]


@functools.cache
def _fast_classes() -> dict[type[nn.Module], type[nn.Module]]:
    """neuralforecast class -> its re-class: our mixin first, the stock class as its base."""
    from neuralforecast.common import _modules as nf

    mixins = {nf.FullAttention: FastFullAttention, nf.AttentionLayer: FastAttentionLayer,
              nf.TransEncoderLayer: FastTransEncoderLayer}
    return {stock: type(fast.__name__, (fast, stock), {}) for stock, fast in mixins.items()}


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

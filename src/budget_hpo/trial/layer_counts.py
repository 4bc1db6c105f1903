"""Parameter counts of the building blocks neuralforecast 3.3's transformers are made of.

Pure integer arithmetic, read from the blocks' sources (``neuralforecast.common._modules`` and the
model files): every tensor a block registers as a parameter counts, trainable or not, exactly
as ``sum(p.numel() for p in module.parameters())`` counts it (a complex weight is one element
per complex number). Buffers (positional encodings, BatchNorm's running statistics) are not
parameters. Imports neither torch nor neuralforecast.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "attention",
    "batch_norm",
    "conv1d",
    "decoder_layer",
    "encoder_layer",
    "ff_width",
    "fourier_weights",
    "frequency_modes",
    "layer_norm",
    "linear",
    "output_size",
    "scaler",
    "token_embedding",
]


def linear(n_in: int, n_out: int, bias: bool = True) -> int:
    """``nn.Linear(n_in, n_out, bias)``."""
    return n_in * n_out + (n_out if bias else 0)


def conv1d(n_in: int, n_out: int, kernel: int, bias: bool = True) -> int:
    """``nn.Conv1d(n_in, n_out, kernel_size=kernel, bias=bias)`` (one group)."""
    return n_in * n_out * kernel + (n_out if bias else 0)


def layer_norm(width: int) -> int:
    """``nn.LayerNorm(width)`` (and Autoformer's/FEDformer's ``LayerNorm`` wrapping it)."""
    return 2 * width


def batch_norm(width: int) -> int:
    """``nn.BatchNorm1d(width)``: a weight and a bias (the running statistics are buffers)."""
    return 2 * width


def attention(d_model: int, n_heads: int) -> int:
    """``AttentionLayer`` / ``AutoCorrelationLayer``: query, key and value projections from
    ``d_model`` to ``(d_model // n_heads) · n_heads`` and the output projection back, with bias.
    The inner attention (full, probabilistic, auto-correlation) has no parameters of its own."""
    inner = (d_model // n_heads) * n_heads
    return 3 * linear(d_model, inner) + linear(inner, d_model)


def ff_width(d_model: int, d_ff: int | None) -> int:
    """The feed-forward width an encoder/decoder layer builds: ``d_ff or 4 · d_model`` (the
    layers' own fallback for 0 or None)."""
    return d_ff or 4 * d_model


def encoder_layer(d_model: int, n_heads: int, d_ff: int, *, bias: bool = True,
                  norms: int = 2) -> int:
    """Self-attention, a pointwise-convolution feed-forward network ``d -> d_ff -> d`` and
    ``norms`` LayerNorms: ``TransEncoderLayer`` (bias, 2 norms); Autoformer's and FEDformer's
    ``EncoderLayer`` (no bias, no norm: series decompositions instead) without their attention's
    inner weights."""
    ff = conv1d(d_model, d_ff, 1, bias) + conv1d(d_ff, d_model, 1, bias)
    return attention(d_model, n_heads) + ff + norms * layer_norm(d_model)


def decoder_layer(d_model: int, n_heads: int, d_ff: int, *, bias: bool = True,
                  norms: int = 3) -> int:
    """Self-attention, cross-attention, the feed-forward network and ``norms`` LayerNorms:
    ``TransDecoderLayer`` (bias, 3 norms), TimeXer's ``EncoderLayer`` (the same parts)."""
    return attention(d_model, n_heads) + encoder_layer(d_model, n_heads, d_ff, bias=bias,
                                                       norms=norms)


def token_embedding(c_in: int, d_model: int) -> int:
    """``TokenEmbedding``: a kernel-3 ``Conv1d`` without bias (``DataEmbedding`` without
    exogenous inputs: the positional encoding is a buffer)."""
    return conv1d(c_in, d_model, 3, bias=False)


def frequency_modes(seq_len: int, modes: int) -> int:
    """How many Fourier modes FEDformer's ``get_frequency_modes`` keeps: ``min(modes, seq_len //
    2)`` (both selection methods keep that many)."""
    return min(modes, seq_len // 2)


def fourier_weights(d_model: int, n_modes: int) -> int:
    """FEDformer's ``FourierBlock`` / ``FourierCrossAttention`` weight: complex,
    ``[8, d // 8, d // 8, n_modes]`` (8 heads, hard-coded)."""
    return 8 * (d_model // 8) * (d_model // 8) * n_modes


def output_size(kwargs: Mapping[str, Any]) -> int:
    """Outputs per forecast step: the loss's ``outputsize_multiplier`` (1 for point losses, the
    default MAE included)."""
    return int(getattr(kwargs.get("loss"), "outputsize_multiplier", 1))


def scaler(kwargs: Mapping[str, Any]) -> int:
    """``BaseModel``'s ``TemporalNorm``: ``scaler_type="revin"`` learns a weight and a bias for
    the target (no exogenous inputs); every other scaler has none."""
    return 2 if kwargs.get("scaler_type", "identity") == "revin" else 0

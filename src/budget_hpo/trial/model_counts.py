"""Each neuralforecast 3.3 transformer's exact parameter count, in integer arithmetic from its
constructor's keyword arguments (neuralforecast's defaults for any absent), built from the
building blocks of :mod:`budget_hpo.trial.layer_counts`. Registered with their families in
:mod:`budget_hpo.trial.families`; ``tests/trial/test_families.py`` compares every one with the
built model's ``sum(p.numel())``. No torch, no neuralforecast."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budget_hpo.trial.layer_counts import (
    attention,
    batch_norm,
    conv1d,
    decoder_layer,
    encoder_layer,
    ff_width,
    fourier_weights,
    frequency_modes,
    layer_norm,
    linear,
    output_size,
    scaler,
    token_embedding,
)

__all__ = [
    "ENCODER_DECODER", "FEDFORMER", "PATCHTST", "TIMEXER", "count_autoformer",
    "count_fedformer", "count_informer", "count_itransformer", "count_patchtst", "count_timexer",
    "count_vanilla",
]

Kwargs = Mapping[str, Any]

# Each model's defaults (neuralforecast 3.3) for the arguments its count (and check) reads.

ITRANSFORMER = {"hidden_size": 512, "n_heads": 8, "e_layers": 2, "d_ff": 2048}
PATCHTST = {"hidden_size": 128, "n_heads": 16, "encoder_layers": 3, "linear_hidden_size": 256,
             "patch_len": 16, "stride": 8, "revin": True, "revin_affine": False}
ENCODER_DECODER = {"hidden_size": 128, "n_head": 4, "conv_hidden_size": 32,
                    "encoder_layers": 2, "decoder_layers": 1}
INFORMER = {**ENCODER_DECODER, "distil": True}
FEDFORMER = {**ENCODER_DECODER, "n_head": 8, "modes": 64}
TIMEXER = {"hidden_size": 512, "n_heads": 8, "e_layers": 2, "d_ff": 2048, "patch_len": 16}


def _head(kw: Kwargs, n_in: int) -> int:
    """The forecast head: ``n_in`` features to ``h`` steps of every output."""
    return linear(n_in, kw["h"] * output_size(kw))


def count_itransformer(kwargs: Kwargs) -> int:
    """Inverted embedding of each series' lookback, encoder, norm, projection to the horizon."""
    kw = {**ITRANSFORMER, **kwargs}
    d = kw["hidden_size"]
    layer = encoder_layer(d, kw["n_heads"], ff_width(d, kw["d_ff"]))
    return (linear(kw["input_size"], d) + kw["e_layers"] * layer + layer_norm(d)
            + _head(kw, d) + scaler(kw))


def count_patchtst(kwargs: Kwargs) -> int:
    """RevIN (affine only), patch projection, learned positions, BatchNorm encoder layers (each
    with a scalar attention scale), and a flatten head that grows with the number of patches."""
    kw = {**PATCHTST, **kwargs}
    d, lookback, stride = kw["hidden_size"], kw["input_size"], kw["stride"]
    patch_len = min(lookback + stride, kw["patch_len"])  # as PatchTST clips it
    patches = int((lookback - patch_len) / stride + 1) + 1  # +1: padding at the end
    ff = kw["linear_hidden_size"]
    layer = (attention(d, kw["n_heads"]) + 1 + linear(d, ff) + linear(ff, d)
             + 2 * batch_norm(d))
    revin = 2 if kw["revin"] and kw["revin_affine"] else 0
    return (revin + linear(patch_len, d) + patches * d + kw["encoder_layers"] * layer
            + _head(kw, d * patches) + scaler(kw))


def _transformer(kw: Kwargs) -> int:
    """VanillaTransformer and Informer without Informer's distilling convolutions: value
    embeddings of encoder and decoder inputs, encoder, decoder, norms, projection."""
    d, heads = kw["hidden_size"], kw["n_head"]
    ff = ff_width(d, kw["conv_hidden_size"])
    return (2 * token_embedding(1, d) + kw["encoder_layers"] * encoder_layer(d, heads, ff)
            + kw["decoder_layers"] * decoder_layer(d, heads, ff) + 2 * layer_norm(d)
            + linear(d, output_size(kw)) + scaler(kw))


def count_vanilla(kwargs: Kwargs) -> int:
    return _transformer({**ENCODER_DECODER, **kwargs})


def count_informer(kwargs: Kwargs) -> int:
    """The transformer plus, with ``distil``, a convolution and BatchNorm between encoder
    layers."""
    kw = {**INFORMER, **kwargs}
    d = kw["hidden_size"]
    distil = max(0, kw["encoder_layers"] - 1) if kw["distil"] else 0
    return _transformer(kw) + distil * (conv1d(d, d, 3) + batch_norm(d))


def _decomposition(kw: Kwargs) -> int:
    """Autoformer's layout (FEDformer's too, less its Fourier weights): bias-free feed-forward
    convolutions, series decompositions instead of layer norms, and a kernel-3 trend
    projection in every decoder layer."""
    d, heads, out = kw["hidden_size"], kw["n_head"], output_size(kw)
    ff = ff_width(d, kw["conv_hidden_size"])
    encoder = encoder_layer(d, heads, ff, bias=False, norms=0)
    decoder = decoder_layer(d, heads, ff, bias=False, norms=0) + conv1d(d, out, 3, bias=False)
    return (2 * token_embedding(1, d) + kw["encoder_layers"] * encoder
            + kw["decoder_layers"] * decoder + 2 * layer_norm(d) + linear(d, out) + scaler(kw))


def count_autoformer(kwargs: Kwargs) -> int:
    return _decomposition({**ENCODER_DECODER, **kwargs})


def count_fedformer(kwargs: Kwargs) -> int:
    """Autoformer's layout plus three Fourier blocks, each built once and shared by all layers
    of its kind: the encoder's (over the lookback), the decoder's self- and cross-attention
    (over half the lookback plus the horizon)."""
    kw = {**FEDFORMER, **kwargs}
    d, modes = kw["hidden_size"], kw["modes"]
    encoder = fourier_weights(d, frequency_modes(kw["input_size"], modes))
    decoder = fourier_weights(d, frequency_modes(kw["input_size"] // 2 + kw["h"], modes))
    return (_decomposition(kw) + (encoder if kw["encoder_layers"] > 0 else 0)
            + (2 * decoder if kw["decoder_layers"] > 0 else 0))


def count_timexer(kwargs: Kwargs) -> int:
    """Patch embedding and a learned global token per series, the inverted embedding of each
    series' lookback, encoder layers with self- and cross-attention, a flatten head over the
    patches and the global token."""
    kw = {**TIMEXER, **kwargs}
    d, patch_len = kw["hidden_size"], kw["patch_len"]
    patches = kw["input_size"] // patch_len
    layer = decoder_layer(d, kw["n_heads"], ff_width(d, kw["d_ff"]))
    return (linear(patch_len, d, bias=False) + kw["n_series"] * d + linear(kw["input_size"], d)
            + kw["e_layers"] * layer + layer_norm(d) + _head(kw, d * (patches + 1)) + scaler(kw))

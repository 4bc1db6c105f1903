"""The model families: one registration per neuralforecast 3.3 transformer.

A :class:`Family` says how ``model.name`` becomes a neuralforecast constructor call (its class,
whether it takes ``n_series``, its argument names for width, depth, heads and feed-forward
width), which shapes it cannot build (:attr:`Family.check`) and how many parameters it has
(:attr:`Family.count`): the exact count, in integer arithmetic from the constructor's keyword
arguments, equal to ``sum(p.numel() for p in model.parameters())`` of the built model
(``tests/trial/test_families.py`` compares them). Nothing here imports torch or neuralforecast,
so a model is sized in microseconds without being built.

Encoder-decoder families get ``decoder_layers = max(1, n_layers // 2)``. No family takes
exogenous inputs here: the panel has none, and :func:`constructor_kwargs`' ``extra``
(``model.kwargs``) that names any is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.trial.architecture import Architecture, DataShape
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
    "FAMILIES", "Family", "constructor_kwargs", "exact_count", "family", "register",
]

Kwargs = Mapping[str, Any]
NO_KWARGS: Kwargs = MappingProxyType({})
EXOGENOUS = ("futr_exog_list", "hist_exog_list", "stat_exog_list")


@dataclass(frozen=True)
class Family:
    """One neuralforecast model as this project builds, checks and counts it."""

    name: str  # model.name, e.g. "itransformer"
    class_name: str  # neuralforecast.models.<class_name>, e.g. "iTransformer"
    multivariate: bool  # the constructor takes n_series
    fixed_heads: int | None  # the only head count the model accepts (FEDformer: 8), else None
    fused_adamw: bool  # False where the model has complex weights: fused AdamW refuses them
    arch_kwargs: Callable[[Architecture], dict[str, Any]]  # sizes in the model's argument names
    count: Callable[[Kwargs], int]  # exact parameter count from the full constructor kwargs
    check: Callable[[Architecture, DataShape, Kwargs], None]  # ConfigError if it cannot build


FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add ``family`` to :data:`FAMILIES` under its ``name`` and return it."""
    FAMILIES[family.name] = family
    return family


def family(name: str) -> Family:
    """The family registered as ``model.name`` = ``name``.

    Raises:
        ConfigError: no family of that name (the message lists them).
    """
    if name not in FAMILIES:
        raise ConfigError("model", name, " | ".join(FAMILIES))
    return FAMILIES[name]


def constructor_kwargs(fam: Family, arch: Architecture, shape: DataShape,
                       extra: Kwargs = NO_KWARGS) -> dict[str, Any]:
    """The neuralforecast constructor's shape arguments for ``arch`` on ``shape``.

    Args:
        fam: the model family.
        arch: width, depth, heads and feed-forward width.
        shape: series, lookback and horizon.
        extra: ``model.kwargs``, applied last so that a user's arguments win.

    Returns:
        ``h``, ``input_size``, ``n_series`` (multivariate families only), the architecture in
        the model's own argument names, then ``extra``.
    """
    series = {"n_series": shape.n_series} if fam.multivariate else {}
    return {"h": shape.horizon, "input_size": shape.input_size, **series,
            **fam.arch_kwargs(arch), **extra}


def exact_count(fam: Family, arch: Architecture, shape: DataShape,
                extra: Kwargs = NO_KWARGS) -> int:
    """The exact parameter count of ``fam`` built for ``arch`` on ``shape`` with ``extra``.

    Raises:
        ConfigError: a shape or argument the model cannot build (``fam.check``).
    """
    fam.check(arch, shape, extra)
    return fam.count(constructor_kwargs(fam, arch, shape, extra))


# --- checks ------------------------------------------------------------------------------------


def _check_architecture(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    """What every family needs: positive sizes, heads that split ``d_model`` evenly, and no
    exogenous inputs (the panel has none)."""
    for key in ("d_model", "n_layers", "d_ff"):
        value = getattr(arch, key)
        if value < 1:
            raise ConfigError(key, value, "an integer >= 1")
    if arch.n_heads < 1 or arch.d_model % arch.n_heads:
        divisors = [h for h in (1, 2, 4, 8, 16, 32) if arch.d_model % h == 0]
        raise ConfigError("model.n_heads", arch.n_heads,
                          f"a divisor of d_model={arch.d_model}, e.g. {divisors}")
    for key in EXOGENOUS:
        if extra.get(key):
            raise ConfigError(f"model.kwargs.{key}", extra[key],
                              "none (the panel has no exogenous columns)")


def _check_even_width(arch: Architecture) -> None:
    """neuralforecast's sinusoidal ``PositionalEmbedding`` fails to build for an odd width
    above 1 (its cosine half is one column short)."""
    if arch.d_model % 2 and arch.d_model > 1:
        raise ConfigError("d_model", arch.d_model,
                          "an even integer (this model's sinusoidal positional encoding)")


def _check_patches(shape: DataShape, extra: Kwargs, default: int) -> None:
    """A patch must fit in the lookback window: ``1 <= patch_len <= input_size``. (TimeXer
    builds zero patches from a longer one and fails in its first forward; PatchTST silently
    clips it to ``input_size + stride``, a patch that is partly padding.)"""
    patch_len = extra.get("patch_len", default)
    if not 1 <= patch_len <= shape.input_size:
        raise ConfigError("model.kwargs.patch_len", patch_len,
                          f"an integer from 1 to input_size={shape.input_size}")


def _check_patchtst(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    _check_architecture(arch, shape, extra)
    _check_patches(shape, extra, _PATCHTST["patch_len"])
    stride = extra.get("stride", _PATCHTST["stride"])
    if stride < 1:
        raise ConfigError("model.kwargs.stride", stride, "an integer >= 1")


def _check_timexer(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    _check_architecture(arch, shape, extra)
    _check_even_width(arch)
    _check_patches(shape, extra, _TIMEXER["patch_len"])


def _check_encoder_decoder(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    """The decoder starts from the last ``ceil(input_size · decoder_input_size_multiplier)``
    inputs, which must be some but not all of them; the activation is relu or gelu."""
    _check_architecture(arch, shape, extra)
    share = extra.get("decoder_input_size_multiplier", 0.5)
    if not 0 < math.ceil(shape.input_size * share) < shape.input_size:
        raise ConfigError("model.kwargs.decoder_input_size_multiplier", share,
                          f"0 < ceil(input_size · it) < input_size={shape.input_size}")
    activation = extra.get("activation", "gelu")
    if activation not in ("relu", "gelu"):
        raise ConfigError("model.kwargs.activation", activation, "relu | gelu")


def _check_positional(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    """VanillaTransformer and Informer: an encoder-decoder with sinusoidal positions."""
    _check_encoder_decoder(arch, shape, extra)
    _check_even_width(arch)


def _check_fedformer(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    """FEDformer's Fourier blocks hard-code 8 heads; only its Fourier version exists."""
    if arch.n_heads != 8:
        raise ConfigError("model.n_heads", arch.n_heads, "8 (FEDformer refuses any other)")
    _check_encoder_decoder(arch, shape, extra)
    if extra.get("version", "Fourier") != "Fourier":
        raise ConfigError("model.kwargs.version", extra["version"], "Fourier")
    modes = extra.get("modes", _FEDFORMER["modes"])
    if modes < 1:
        raise ConfigError("model.kwargs.modes", modes, "an integer >= 1")


# --- argument names ----------------------------------------------------------------------------


def _encoder_only(layers: str, heads: str, ff: str) -> Callable[[Architecture], dict[str, Any]]:
    """Architecture -> keyword arguments for an encoder-only model with these argument names."""
    def kwargs(arch: Architecture) -> dict[str, Any]:
        return {"hidden_size": arch.d_model, layers: arch.n_layers, heads: arch.n_heads,
                ff: arch.d_ff}
    return kwargs


def _encoder_decoder(arch: Architecture) -> dict[str, Any]:
    """VanillaTransformer, Informer, Autoformer, FEDformer: half as many decoder layers."""
    return {"hidden_size": arch.d_model, "encoder_layers": arch.n_layers,
            "decoder_layers": max(1, arch.n_layers // 2), "n_head": arch.n_heads,
            "conv_hidden_size": arch.d_ff}


# --- counts ------------------------------------------------------------------------------------
# Each model's defaults (neuralforecast 3.3) for the arguments its count reads.

_ITRANSFORMER = {"hidden_size": 512, "n_heads": 8, "e_layers": 2, "d_ff": 2048}
_PATCHTST = {"hidden_size": 128, "n_heads": 16, "encoder_layers": 3, "linear_hidden_size": 256,
             "patch_len": 16, "stride": 8, "revin": True, "revin_affine": False}
_ENCODER_DECODER = {"hidden_size": 128, "n_head": 4, "conv_hidden_size": 32,
                    "encoder_layers": 2, "decoder_layers": 1}
_INFORMER = {**_ENCODER_DECODER, "distil": True}
_FEDFORMER = {**_ENCODER_DECODER, "n_head": 8, "modes": 64}
_TIMEXER = {"hidden_size": 512, "n_heads": 8, "e_layers": 2, "d_ff": 2048, "patch_len": 16}


def _head(kw: Kwargs, n_in: int) -> int:
    """The forecast head: ``n_in`` features to ``h`` steps of every output."""
    return linear(n_in, kw["h"] * output_size(kw))


def _count_itransformer(kwargs: Kwargs) -> int:
    """Inverted embedding of each series' lookback, encoder, norm, projection to the horizon."""
    kw = {**_ITRANSFORMER, **kwargs}
    d = kw["hidden_size"]
    layer = encoder_layer(d, kw["n_heads"], ff_width(d, kw["d_ff"]))
    return (linear(kw["input_size"], d) + kw["e_layers"] * layer + layer_norm(d)
            + _head(kw, d) + scaler(kw))


def _count_patchtst(kwargs: Kwargs) -> int:
    """RevIN (affine only), patch projection, learned positions, BatchNorm encoder layers (each
    with a scalar attention scale), and a flatten head that grows with the number of patches."""
    kw = {**_PATCHTST, **kwargs}
    d, lookback, stride = kw["hidden_size"], kw["input_size"], kw["stride"]
    patch_len = min(lookback + stride, kw["patch_len"])  # as PatchTST clips it
    patches = int((lookback - patch_len) / stride + 1) + 1  # +1: padding at the end
    ff = kw["linear_hidden_size"]
    layer = (attention(d, kw["n_heads"]) + 1 + linear(d, ff) + linear(ff, d)
             + 2 * batch_norm(d))
    revin = 2 if kw["revin"] and kw["revin_affine"] else 0
    return (revin + linear(patch_len, d) + patches * d + kw["encoder_layers"] * layer
            + _head(kw, d * patches) + scaler(kw))


def _count_transformer(kw: Kwargs) -> int:
    """VanillaTransformer and Informer without Informer's distilling convolutions: value
    embeddings of encoder and decoder inputs, encoder, decoder, norms, projection."""
    d, heads = kw["hidden_size"], kw["n_head"]
    ff = ff_width(d, kw["conv_hidden_size"])
    return (2 * token_embedding(1, d) + kw["encoder_layers"] * encoder_layer(d, heads, ff)
            + kw["decoder_layers"] * decoder_layer(d, heads, ff) + 2 * layer_norm(d)
            + linear(d, output_size(kw)) + scaler(kw))


def _count_vanilla(kwargs: Kwargs) -> int:
    return _count_transformer({**_ENCODER_DECODER, **kwargs})


def _count_informer(kwargs: Kwargs) -> int:
    """The transformer plus, with ``distil``, a convolution and BatchNorm between encoder
    layers."""
    kw = {**_INFORMER, **kwargs}
    d = kw["hidden_size"]
    distil = max(0, kw["encoder_layers"] - 1) if kw["distil"] else 0
    return _count_transformer(kw) + distil * (conv1d(d, d, 3) + batch_norm(d))


def _count_decomposition(kw: Kwargs) -> int:
    """Autoformer's layout (FEDformer's too, less its Fourier weights): bias-free feed-forward
    convolutions, series decompositions instead of layer norms, and a kernel-3 trend
    projection in every decoder layer."""
    d, heads, out = kw["hidden_size"], kw["n_head"], output_size(kw)
    ff = ff_width(d, kw["conv_hidden_size"])
    encoder = encoder_layer(d, heads, ff, bias=False, norms=0)
    decoder = decoder_layer(d, heads, ff, bias=False, norms=0) + conv1d(d, out, 3, bias=False)
    return (2 * token_embedding(1, d) + kw["encoder_layers"] * encoder
            + kw["decoder_layers"] * decoder + 2 * layer_norm(d) + linear(d, out) + scaler(kw))


def _count_autoformer(kwargs: Kwargs) -> int:
    return _count_decomposition({**_ENCODER_DECODER, **kwargs})


def _count_fedformer(kwargs: Kwargs) -> int:
    """Autoformer's layout plus three Fourier blocks, each built once and shared by all layers
    of its kind: the encoder's (over the lookback), the decoder's self- and cross-attention
    (over half the lookback plus the horizon)."""
    kw = {**_FEDFORMER, **kwargs}
    d, modes = kw["hidden_size"], kw["modes"]
    encoder = fourier_weights(d, frequency_modes(kw["input_size"], modes))
    decoder = fourier_weights(d, frequency_modes(kw["input_size"] // 2 + kw["h"], modes))
    return (_count_decomposition(kw) + (encoder if kw["encoder_layers"] > 0 else 0)
            + (2 * decoder if kw["decoder_layers"] > 0 else 0))


def _count_timexer(kwargs: Kwargs) -> int:
    """Patch embedding and a learned global token per series, the inverted embedding of each
    series' lookback, encoder layers with self- and cross-attention, a flatten head over the
    patches and the global token."""
    kw = {**_TIMEXER, **kwargs}
    d, patch_len = kw["hidden_size"], kw["patch_len"]
    patches = kw["input_size"] // patch_len
    layer = decoder_layer(d, kw["n_heads"], ff_width(d, kw["d_ff"]))
    return (linear(patch_len, d, bias=False) + kw["n_series"] * d + linear(kw["input_size"], d)
            + kw["e_layers"] * layer + layer_norm(d) + _head(kw, d * (patches + 1)) + scaler(kw))


# --- the registry ------------------------------------------------------------------------------

register(Family("itransformer", "iTransformer", multivariate=True, fixed_heads=None,
                fused_adamw=True, arch_kwargs=_encoder_only("e_layers", "n_heads", "d_ff"),
                count=_count_itransformer, check=_check_architecture))
register(Family("patchtst", "PatchTST", multivariate=False, fixed_heads=None, fused_adamw=True,
                arch_kwargs=_encoder_only("encoder_layers", "n_heads", "linear_hidden_size"),
                count=_count_patchtst, check=_check_patchtst))
register(Family("vanillatransformer", "VanillaTransformer", multivariate=False,
                fixed_heads=None, fused_adamw=True, arch_kwargs=_encoder_decoder,
                count=_count_vanilla, check=_check_positional))
register(Family("informer", "Informer", multivariate=False, fixed_heads=None, fused_adamw=True,
                arch_kwargs=_encoder_decoder, count=_count_informer, check=_check_positional))
register(Family("autoformer", "Autoformer", multivariate=False, fixed_heads=None,
                fused_adamw=True, arch_kwargs=_encoder_decoder, count=_count_autoformer,
                check=_check_encoder_decoder))
register(Family("fedformer", "FEDformer", multivariate=False, fixed_heads=8, fused_adamw=False,
                arch_kwargs=_encoder_decoder, count=_count_fedformer, check=_check_fedformer))
register(Family("timexer", "TimeXer", multivariate=True, fixed_heads=None, fused_adamw=True,
                arch_kwargs=_encoder_only("e_layers", "n_heads", "d_ff"),
                count=_count_timexer, check=_check_timexer))

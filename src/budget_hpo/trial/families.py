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
from budget_hpo.trial.architecture import Architecture, DataShape, head_divisors
from budget_hpo.trial.model_counts import (
    FEDFORMER,
    PATCHTST,
    TIMEXER,
    count_autoformer,
    count_fedformer,
    count_informer,
    count_itransformer,
    count_patchtst,
    count_timexer,
    count_vanilla,
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
        divisors = head_divisors(arch.d_model, (1, 2, 4, 8, 16, 32))
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
    _check_patches(shape, extra, PATCHTST["patch_len"])
    stride = extra.get("stride", PATCHTST["stride"])
    if stride < 1:
        raise ConfigError("model.kwargs.stride", stride, "an integer >= 1")


def _check_timexer(arch: Architecture, shape: DataShape, extra: Kwargs) -> None:
    _check_architecture(arch, shape, extra)
    _check_even_width(arch)
    _check_patches(shape, extra, TIMEXER["patch_len"])


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
    modes = extra.get("modes", FEDFORMER["modes"])
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


# --- the registry ------------------------------------------------------------------------------

register(Family("itransformer", "iTransformer", multivariate=True, fixed_heads=None,
                fused_adamw=True, arch_kwargs=_encoder_only("e_layers", "n_heads", "d_ff"),
                count=count_itransformer, check=_check_architecture))
register(Family("patchtst", "PatchTST", multivariate=False, fixed_heads=None, fused_adamw=True,
                arch_kwargs=_encoder_only("encoder_layers", "n_heads", "linear_hidden_size"),
                count=count_patchtst, check=_check_patchtst))
register(Family("vanillatransformer", "VanillaTransformer", multivariate=False,
                fixed_heads=None, fused_adamw=True, arch_kwargs=_encoder_decoder,
                count=count_vanilla, check=_check_positional))
register(Family("informer", "Informer", multivariate=False, fixed_heads=None, fused_adamw=True,
                arch_kwargs=_encoder_decoder, count=count_informer, check=_check_positional))
register(Family("autoformer", "Autoformer", multivariate=False, fixed_heads=None,
                fused_adamw=True, arch_kwargs=_encoder_decoder, count=count_autoformer,
                check=_check_encoder_decoder))
register(Family("fedformer", "FEDformer", multivariate=False, fixed_heads=8, fused_adamw=False,
                arch_kwargs=_encoder_decoder, count=count_fedformer, check=_check_fedformer))
register(Family("timexer", "TimeXer", multivariate=True, fixed_heads=None, fused_adamw=True,
                arch_kwargs=_encoder_only("e_layers", "n_heads", "d_ff"),
                count=count_timexer, check=_check_timexer))

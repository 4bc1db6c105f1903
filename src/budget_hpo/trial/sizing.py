"""Budget-aware sizing: budget × style × model × data → the shape a trial builds.

A budget is a parameter count (:mod:`budget_hpo.budget_counts`); a style is a rule
(``style.aspect``, the ``d_model / n_layers`` to aim for, or a fixed ``style.n_layers``). The
sizer solves the ``d_model``, ``n_layers`` and ``n_heads`` whose **exact** parameter count, for the
chosen model and data (:func:`budget_hpo.trial.families.exact_count`), lies within
``budget.tolerance`` of the budget: at every depth it bisects for the width nearest the budget,
keeps the shapes within the tolerance, and of those takes the one nearest the style's aspect. A
budget file may pin a shape per model and style (the seed's table for iTransformer) at its own
count; moving ``budget.params`` off that count solves the shape instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from budget_hpo.budget_counts import count_or_none, parse_count
from budget_hpo.errors import ConfigError
from budget_hpo.schema import ArchConfig, Config, StyleConfig
from budget_hpo.trial.architecture import Architecture, DataShape, formula_params, head_divisors
from budget_hpo.trial.families import Family, exact_count, family

__all__ = [
    "SHAPES", "Architecture", "DataShape", "Sized", "check_style", "formula_params",
    "head_divisors", "heads_for", "resolve_architecture", "size_model", "sizing_family",
    "solve_shape",
]

SHAPES = ("pinned", "solved")  # where a trial's shape came from
_MAX_WIDTH = 1 << 17  # no transformer here is wider: the bisection's ceiling


@dataclass(frozen=True)
class Sized:
    """A sized model: its architecture, whether it was pinned or solved, its exact parameter
    count and the budget's count it was sized for."""

    arch: Architecture
    shape: str
    params_exact: int
    budget_params: int


def sizing_family(model: str) -> Family:
    """The family a model is sized as (the ``tiny`` test fixture stands in for iTransformer)."""
    return family("itransformer" if model == "tiny" else model)


def heads_for(d_model: int, head_dim: int, fixed: int | None = None) -> int:
    """``fixed`` if the model allows one head count, else the power of two dividing ``d_model``
    nearest ``d_model / head_dim`` (ties: the larger)."""
    if fixed is not None:
        return fixed
    target = d_model / head_dim
    powers = [1 << i for i in range(d_model.bit_length()) if d_model % (1 << i) == 0]
    return min(powers, key=lambda h: (abs(math.log(h / target)), -h))


def check_style(style: StyleConfig) -> None:
    """Refuse a style that states no rule, or two (one line naming the key).

    Raises:
        ConfigError: neither or both of ``aspect`` and ``n_layers``, a non-positive aspect, or a
            shared setting below 1.
    """
    if (style.aspect is None) == (style.n_layers is None):
        raise ConfigError(f"style={style.name}",
                          f"aspect={style.aspect}, n_layers={style.n_layers}",
                          "exactly one of style.aspect (d_model / n_layers) and style.n_layers")
    if style.aspect is not None and not style.aspect > 0:
        raise ConfigError("style.aspect", style.aspect, "a number > 0 (d_model / n_layers)")
    for key in ("n_layers", "head_dim", "width_step", "max_layers"):
        value = getattr(style, key)
        if value is not None and (isinstance(value, bool) or value < 1):
            raise ConfigError(f"style.{key}", value, "an integer >= 1")


def solve_shape(
    count: Callable[[Architecture], int], budget: int, style: StyleConfig, tolerance: float,
    *, ff_mult: int, fixed_heads: int | None = None,
) -> list[tuple[Architecture, int]]:
    """Every depth's shape nearest ``budget`` whose exact ``count`` lies within ``tolerance``,
    best first: nearest the style's aspect (or, at a fixed depth, nearest the budget)."""
    step = style.width_step
    depths = [style.n_layers] if style.n_layers is not None else range(1, style.max_layers + 1)

    def arch(k: int, layers: int) -> Architecture:
        d = k * step
        return Architecture(d, layers, heads_for(d, style.head_dim, fixed_heads), ff_mult * d)

    found: list[tuple[Architecture, int]] = []
    for layers in depths:
        if count(arch(1, layers)) > budget * (1 + tolerance):
            break  # deeper stacks only grow
        low, high = 1, 2
        while count(arch(high, layers)) < budget and high * step < _MAX_WIDTH:
            low, high = high, high * 2
        while high - low > 1:  # count(low) < budget <= count(high), or the ceiling
            mid = (low + high) // 2
            low, high = (mid, high) if count(arch(mid, layers)) < budget else (low, mid)
        near = min((arch(k, layers) for k in (low, high)),
                   key=lambda a: abs(count(a) - budget))
        exact = count(near)
        if abs(exact - budget) <= tolerance * budget:
            found.append((near, exact))
            if style.aspect is not None and near.d_model / layers <= style.aspect:
                break  # d_model / n_layers only falls with depth: deeper is farther off

    def rank(item: tuple[Architecture, int]) -> tuple[float, int]:
        a, exact = item
        off = 0.0 if style.aspect is None else abs(math.log(a.d_model / a.n_layers / style.aspect))
        return (off, abs(exact - budget))

    return sorted(found, key=rank)


def _pin(cfg: Config, model: str, budget: int) -> ArchConfig | None:
    """The budget file's pinned shape for this model and style, while ``budget.params`` is the
    count the file is named for."""
    rows = cfg.budget.pinned.get(model, {})
    row = rows.get(cfg.style.name)
    named = count_or_none(cfg.budget.name)
    return row if row is not None and (named is None or named == budget) else None


def size_model(cfg: Config, data: DataShape) -> Sized:
    """Size ``cfg``'s model for ``data``: the pinned shape, else the solved one; then
    ``model.n_heads``, if set, overrides the heads.

    Raises:
        ConfigError: a bad budget, tolerance or style, a budget the model cannot reach within the
            tolerance (naming the reachable range), or a head count the model refuses.
    """
    fam = sizing_family(cfg.model.name)
    budget = parse_count(cfg.budget.params, "budget.params")
    tolerance = cfg.budget.tolerance
    if not 0.0 < tolerance < 1.0:
        raise ConfigError("budget.tolerance", tolerance, "a number in (0, 1), e.g. 0.1 for ±10%")
    if cfg.model.ff_mult < 1:
        raise ConfigError("model.ff_mult", cfg.model.ff_mult, "an integer >= 1")
    check_style(cfg.style)
    extra: Mapping[str, Any] = dict(cfg.model.kwargs)

    def count(a: Architecture) -> int:
        return exact_count(fam, a, data, extra)

    pin = _pin(cfg, fam.name, budget)
    if pin is not None:
        arch, shape = Architecture(pin.d_model, pin.n_layers, pin.n_heads,
                                   cfg.model.ff_mult * pin.d_model), "pinned"
    else:
        solved = solve_shape(count, budget, cfg.style, tolerance, ff_mult=cfg.model.ff_mult,
                             fixed_heads=fam.fixed_heads)
        if not solved:
            raise ConfigError("budget", cfg.budget.name, _reach(fam, data, cfg, count))
        arch, shape = solved[0][0], "solved"
    if cfg.model.n_heads is not None:  # heads that do not divide d_model: refused by the count
        arch = Architecture(arch.d_model, arch.n_layers, cfg.model.n_heads, arch.d_ff)
    return Sized(arch, shape, count(arch), budget)


def _reach(fam: Family, data: DataShape, cfg: Config, count: Callable[[Architecture], int]) -> str:
    """What a budget may be for this model, style and data: the smallest count it reaches."""
    style = cfg.style
    layers = style.n_layers or 1
    d = style.width_step
    smallest = count(Architecture(d, layers, heads_for(d, style.head_dim, fam.fixed_heads),
                                  cfg.model.ff_mult * d))
    return (f"a count {fam.name} reaches within ±{cfg.budget.tolerance:.0%} as "
            f"style={style.name} with n_series={data.n_series}, input_size={data.input_size}, "
            f"horizon={data.horizon}: {smallest:,} or more")


def resolve_architecture(cfg: Config, n_series: int) -> Architecture:
    """The architecture a trial of ``cfg`` on ``n_series`` series builds (:func:`size_model`)."""
    return size_model(cfg, DataShape.from_config(cfg, n_series)).arch

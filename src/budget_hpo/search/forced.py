"""The forced configs of phase 1, from ``conf/forced/``: a hand-written list (``seed18``) or the
anchors rule (``anchors``) that maps the seed's groups onto any budget grid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, is_dataclass
from typing import Any

from optuna.distributions import BaseDistribution, CategoricalDistribution

from budget_hpo.budget_counts import sort_budgets
from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config, ForcedConfig

__all__ = ["ANCHORS", "FORCED_KEYS", "ForcedTrial", "anchor_budgets", "forced_params",
           "forced_trials"]

# the search-space keys a forced config sets (the plugin silently drops a key outside the space)
FORCED_KEYS = ("budget", "style", "regularization.dropout", "regularization.lr",
               "regularization.weight_decay")


@dataclass(frozen=True)
class ForcedTrial:
    """One forced config: an id such as ``G2-dropout-0.1-2M`` and three group choices."""

    id: str
    budget: str
    style: str
    regularization: str

    @property
    def group(self) -> str:
        """The seed's group, ``G1``..``G4``."""
        return self.id.split("-", 1)[0]

    def choices(self) -> dict[str, str]:
        """Its option of each config group: ``{"budget": ..., "style": ..., "regularization": ...}``
        (a variant of :func:`budget_hpo.compose.compose_variants`)."""
        return {"budget": self.budget, "style": self.style, "regularization": self.regularization}

    def overrides(self) -> list[str]:
        """The Hydra overrides that reproduce this config by hand."""
        return [f"{group}={option}" for group, option in self.choices().items()]


ANCHORS = ("main", "second_largest", "largest")  # the order a group runs its anchors in


def anchor_budgets(grid: Sequence[str]) -> dict[str, str]:
    """The anchors rule: which budget of a grid (sorted by count) plays the seed's 2M (``main``),
    20M (``second_largest``) and 200M (``largest``).

    ``main`` is b[1] when the grid has >= 3 budgets, else b[0]; ``second_largest`` is b[n-2]
    when it has >= 4, else b[n-1]; ``largest`` is b[n-1]. On the seed's grid: 2M, 20M, 200M.
    """
    n = len(grid)
    if n == 0:
        raise ValueError("an empty budget grid has no anchors")
    return {
        "main": grid[1] if n >= 3 else grid[0],
        "second_largest": grid[-2] if n >= 4 else grid[-1],
        "largest": grid[-1],
    }


def forced_trials(forced: ForcedConfig, budgets: Sequence[str] | None = None) -> list[ForcedTrial]:
    """The forced configs in the seed's order: a hand-written list (``forced.configs``) as written,
    optionally only those of ``budgets``; or the anchors rule (``forced.extremes``) on the grid
    ``budgets`` (budget options sorted by count, :func:`budget_hpo.budget_counts.budget_grid`).

    Raises:
        ConfigError: duplicate ids, a budget of ``budgets`` that a hand-written list never uses,
            an unknown anchor, or a file with both or neither of ``configs`` and ``extremes``.
    """
    if (forced.configs is None) == (forced.extremes is None):
        raise ConfigError(f"forced={forced.name}", "configs / extremes",
                          "exactly one of configs (a list) and extremes (the anchors rule)")
    if forced.configs is not None:
        trials = _listed(forced, budgets)
    else:
        if budgets is None:
            raise ValueError("the anchors rule needs a budget grid")
        trials = _anchored(forced, budgets)
    ids = [t.id for t in trials]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError("forced.configs", dupes, "unique ids")
    return trials


def _listed(forced: ForcedConfig, budgets: Sequence[str] | None) -> list[ForcedTrial]:
    assert forced.configs is not None
    trials = [
        ForcedTrial(id=e.id, budget=e.budget,
                    style=e.style if e.style is not None else forced.style,
                    regularization=e.regularization)
        for e in forced.configs
    ]
    if budgets is None:
        return trials
    known = sort_budgets({t.budget for t in trials})
    for b in budgets:
        if b not in known:
            raise ConfigError("search.budgets", b,
                              f"a budget that forced={forced.name} lists: {' | '.join(known)} "
                              "(forced=anchors makes forced configs for any grid)")
    return [t for t in trials if t.budget in set(budgets)]


def _anchored(forced: ForcedConfig, grid: Sequence[str]) -> list[ForcedTrial]:
    assert forced.extremes is not None
    styles = forced.styles or [forced.style]
    trials = [ForcedTrial(f"G1-{b}-{s}", b, s, "default") for b in grid for s in styles]
    anchors = anchor_budgets(grid)
    for extreme in forced.extremes:
        for where in extreme.at:
            if where not in ANCHORS:
                raise ConfigError(f"forced.extremes[{extreme.id}].at", where, " | ".join(ANCHORS))
    groups = list(dict.fromkeys(e.id.split("-", 1)[0] for e in forced.extremes))
    for group in groups:
        members = [e for e in forced.extremes if e.id.split("-", 1)[0] == group]
        for where in ANCHORS:
            for extreme in members:
                if where in extreme.at:
                    budget = anchors[where]
                    trials.append(ForcedTrial(f"{extreme.id}-{budget}", budget, forced.style,
                                              extreme.regularization))
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for trial in trials:  # a short grid puts one extreme at one budget twice: keep it once
        if (trial.budget, trial.style, trial.regularization) not in seen:
            seen.add((trial.budget, trial.style, trial.regularization))
            kept.append(trial)
    return kept


def forced_params(
    configs: Sequence[Config],
    forced: Sequence[ForcedTrial],
    space: dict[str, BaseDistribution],
) -> dict[str, dict[str, Any]]:
    """Each forced config's values for every search-space parameter, read from its composed
    config (``configs[i]`` is ``forced[i]``'s).

    Raises:
        ConfigError: the space lacks a key that the forced configs set (the plugin would silently
            drop it from the trial's overrides), or a choice lacks a forced config's value.
    """
    missing = [k for k in FORCED_KEYS if k not in space]
    if forced and missing:
        raise ConfigError(
            "hydra.sweeper.params", sorted(space), f"a search space that includes {missing}"
        )
    params: dict[str, dict[str, Any]] = {}
    for trial, cfg in zip(forced, configs, strict=True):
        params[trial.id] = {name: _param_value(cfg, name) for name in space}
        for name, value in params[trial.id].items():
            dist = space[name]
            if isinstance(dist, CategoricalDistribution) and value not in dist.choices:
                shown = ", ".join(str(c) for c in dist.choices)
                raise ConfigError(f"hydra.sweeper.params.{name}", f"choice({shown})",
                                  f"a choice that includes {value} (forced config {trial.id} "
                                  f"runs {name}={value})")
    return params


def _param_value(cfg: Config, name: str) -> Any:
    """A group parameter (``budget``) is its option's name; a value parameter is the value (None
    where the config has no such key)."""
    value: Any = cfg
    for part in name.split("."):
        value = getattr(value, part, None)
    if is_dataclass(value):  # a group: BudgetConfig, StyleConfig...
        return str(getattr(value, "name", value))
    return value

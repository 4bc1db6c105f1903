"""The forced configs of phase 1, read from ``conf/forced/`` (data, not code)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf
from optuna.distributions import BaseDistribution

from budget_hpo.errors import ConfigError
from budget_hpo.schema import ForcedConfig

__all__ = ["FORCED_KEYS", "ForcedTrial", "forced_params", "forced_trials"]

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

    def overrides(self) -> list[str]:
        """The Hydra overrides that reproduce this config by hand."""
        return [
            f"budget={self.budget}",
            f"style={self.style}",
            f"regularization={self.regularization}",
        ]


def forced_trials(forced: ForcedConfig, budgets: Sequence[str] | None = None) -> list[ForcedTrial]:
    """The forced configs in file order, optionally only those of ``budgets``.

    Raises:
        ConfigError: duplicate ids, or a budget in ``budgets`` that no forced config uses.
    """
    trials = [
        ForcedTrial(
            id=e.id,
            budget=e.budget,
            style=e.style if e.style is not None else forced.style,
            regularization=e.regularization,
        )
        for e in forced.configs
    ]
    ids = [t.id for t in trials]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError("forced.configs", dupes, "unique ids")
    if budgets is None:
        return trials
    known = sorted({t.budget for t in trials})
    for b in budgets:
        if b not in known:
            raise ConfigError("search.budgets", b, " | ".join(known))
    return [t for t in trials if t.budget in set(budgets)]


def forced_params(
    config_for: Callable[[Sequence[str]], DictConfig],
    forced: Sequence[ForcedTrial],
    space: dict[str, BaseDistribution],
) -> dict[str, dict[str, Any]]:
    """Each forced config's values for every search-space parameter, read from its composed config.

    Raises:
        ConfigError: the space lacks a key that the forced configs set (the plugin would silently
            drop it from the trial's overrides).
    """
    missing = [k for k in FORCED_KEYS if k not in space]
    if forced and missing:
        raise ConfigError(
            "hydra.sweeper.params", sorted(space), f"a search space that includes {missing}"
        )
    params: dict[str, dict[str, Any]] = {}
    for trial in forced:
        cfg = config_for(trial.overrides())
        params[trial.id] = {name: _param_value(cfg, name) for name in space}
    return params


def _param_value(cfg: DictConfig, name: str) -> Any:
    """A group parameter (``budget``) is its option's name; a value parameter is the value."""
    value = OmegaConf.select(cfg, name)
    if isinstance(value, DictConfig):
        return str(value.name)
    return value

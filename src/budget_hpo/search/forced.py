"""The forced configs of phase 1, read from ``conf/forced/`` (data, not code)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omegaconf import DictConfig

from budget_hpo.errors import ConfigError

__all__ = ["ForcedTrial", "forced_trials"]


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


def forced_trials(forced: DictConfig, budgets: Sequence[str] | None = None) -> list[ForcedTrial]:
    """The forced configs in file order, optionally only those of ``budgets``.

    Raises:
        ConfigError: duplicate ids, or a budget in ``budgets`` that no forced config uses.
    """
    trials = [
        ForcedTrial(
            id=str(e.id),
            budget=str(e.budget),
            style=str(e.style if e.style is not None else forced.style),
            regularization=str(e.regularization),
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

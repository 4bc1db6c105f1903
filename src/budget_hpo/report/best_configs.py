"""A phase's configs as the findings rank them, and the best of each budget, style or both.

Each COMPLETE trial of a phase is one :class:`RankedConfig`: the trial, its COMPLETE fresh-seed
reruns and their :class:`~budget_hpo.search.replicates.SeedStats`. It ranks by its fresh-seed
mean where it has reruns, else by its selected value; within a group that has replicated
configs, only those rank (:func:`budget_hpo.phase2.ranking.seed_ranked`, the rule phase 2 and
the summary's tables rank by): a single lucky seed does not win.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from budget_hpo.natural_sort import natural_key
from budget_hpo.phase2.ranking import seed_ranked
from budget_hpo.report.snapshot import StudySnapshot, TrialSnapshot
from budget_hpo.search.replicates import SeedStats

__all__ = ["KEYS", "RankedConfig", "best_first", "best_per", "study_configs"]

KEYS = ("budget", "style", "budget × style")  # what a config is compared by


@dataclass(frozen=True)
class RankedConfig:
    """One COMPLETE trial of a phase with its fresh seeds (none: ``stats`` is None)."""

    trial: TrialSnapshot
    reruns: tuple[TrialSnapshot, ...] = ()  # its COMPLETE fresh-seed reruns
    stats: SeedStats | None = None

    @property
    def budget(self) -> str:
        return str(self.trial.params.get("budget", self.trial.record.budget))

    @property
    def style(self) -> str:
        return str(self.trial.params.get("style", self.trial.record.style))

    @property
    def n_params(self) -> int | None:
        """Its exact parameter count (None where not recorded)."""
        return self.trial.record.params_exact

    @property
    def fresh(self) -> bool:
        """Whether it has fresh seeds (else its value is the selected one only)."""
        return self.stats is not None

    @property
    def rank(self) -> float:
        """Its fresh-seed mean of the objective, else its selected value."""
        if self.stats is not None:
            return self.stats.mean
        return float("nan") if self.trial.value is None else float(self.trial.value)

    def key(self, by: str) -> str:
        """Its ``budget``, ``style`` or ``budget × style``."""
        if by not in KEYS:
            raise ValueError(f"compare configs by one of {KEYS}, got {by!r}")
        return {"budget": self.budget, "style": self.style}.get(
            by, f"{self.budget} × {self.style}")


def study_configs(study: StudySnapshot) -> tuple[RankedConfig, ...]:
    """Every COMPLETE trial of ``study`` with a finite value, with its fresh seeds."""
    seeds = study.seeds
    return tuple(
        RankedConfig(t, tuple(r for r in study.replicates.get(t.number, ()) if r.complete),
                     seeds.get(t.number))
        for t in study.complete if t.value is not None and math.isfinite(t.value))


def best_first(configs: Sequence[RankedConfig], within: str, maximize: bool
               ) -> list[RankedConfig]:
    """The configs that rank, best first (ties: the earlier trial): within each group of equal
    ``key(within)`` that has replicated configs, only those."""
    ranked = seed_ranked([c.rank for c in configs],
                         [c.rank if c.fresh else None for c in configs],
                         [c.key(within) for c in configs])
    sign = 1.0 if maximize else -1.0
    kept = [c for c, r in zip(configs, ranked, strict=True) if r is not None]
    return sorted(kept, key=lambda c: (-sign * c.rank, c.trial.number))


def best_per(configs: Sequence[RankedConfig], by: str, maximize: bool) -> list[RankedConfig]:
    """The best config of each ``key(by)``, in the keys' natural order (budgets by count)."""
    best: dict[str, RankedConfig] = {}
    for config in best_first(configs, by, maximize):
        best.setdefault(config.key(by), config)
    return [best[k] for k in sorted(best, key=lambda k: [natural_key(p) for p in k.split(" × ")])]

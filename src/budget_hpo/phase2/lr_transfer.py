"""Learning rates that transfer: phase 1's best learning rates against size, read from its trials
and fitted once (:func:`budget_hpo.laws.fit_lr_law`), so that a phase-2 study starts at the
learning rate its budget's size predicts (``search.phase2.transfer_lr``) and the findings check
that prediction against what phase 2 found.

One rule reads the law's points from a phase's trials (:func:`lr_points`): per budget, the
learning rates of its ``TOP`` best COMPLETE trials, best first, at the budget's exact count (the
best trial's ``params_exact``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetLrs, LrLaw, fit_lr_law
from budget_hpo.records import TrialRecord
from budget_hpo.schema import Phase2Config

__all__ = [
    "LR", "TOP", "LrPoint", "LrTransfer", "first_trial_lines", "lr_point", "lr_points",
    "lr_transfer", "phase_lr_law", "trial_points",
]

LR = "regularization.lr"  # the learning rate's name in the search space
TOP = 3  # each budget's top configs whose learning rates the law is fitted to


@dataclass(frozen=True)
class LrPoint:
    """One COMPLETE trial as the law reads it."""

    budget: str
    n_params: int | None  # its exact count (None: not recorded)
    lr: float | None  # its learning rate (None: not searched)
    value: float  # its objective


@dataclass(frozen=True)
class LrTransfer:
    """The learning-rate law of a phase and the points it was fitted to."""

    law: LrLaw
    points: tuple[BudgetLrs, ...]

    def predict(self, n_params: int) -> Interval:
        return self.law.predict(n_params)


def lr_points(trials: Iterable[LrPoint], maximize: bool, top: int = TOP) -> list[BudgetLrs]:
    """Per budget (that has a recorded count and learning rates): its ``top`` best trials'
    learning rates, best first, at its best trial's exact count; ordered by count."""
    by_budget: dict[str, list[LrPoint]] = {}
    for point in trials:
        if point.lr is not None and point.lr > 0 and point.n_params:
            by_budget.setdefault(point.budget, []).append(point)
    out: dict[int, BudgetLrs] = {}
    for points in by_budget.values():
        ranked = sorted(points, key=lambda p: p.value, reverse=maximize)[:top]
        n_params = int(ranked[0].n_params or 0)
        out.setdefault(n_params, BudgetLrs(n_params, tuple(float(p.lr or 0) for p in ranked)))
    return [out[n] for n in sorted(out)]


def lr_transfer(trials: Iterable[LrPoint], maximize: bool) -> LrTransfer | None:
    """The learning-rate law of a phase's COMPLETE trials; None when no trial recorded both a
    learning rate and an exact count."""
    points = lr_points(trials, maximize)
    if not points:
        return None
    return LrTransfer(fit_lr_law(points), tuple(points))


def lr_point(params: Mapping[str, Any], record: TrialRecord, value: float) -> LrPoint:
    """The law's reading of one COMPLETE trial: its ``budget`` param, recorded count and lr."""
    return LrPoint(str(params.get("budget", record.budget)), record.params_exact,
                   params.get(LR, record.lr), float(value))


def trial_points(trials: Iterable[object]) -> list[LrPoint]:
    """The law's reading of Optuna's COMPLETE trials (:func:`lr_point`)."""
    return [lr_point(getattr(t, "params", {}),
                     TrialRecord.from_attrs(getattr(t, "user_attrs", {})),
                     getattr(t, "value", 0.0)) for t in trials]


def phase_lr_law(complete: Sequence[object], settings: Phase2Config, direction: str
                 ) -> LrTransfer | None:
    """The law a phase-2 file's first trial comes from: None when ``settings.transfer_lr`` is
    off or phase 2 does not search the learning rate."""
    if not settings.transfer_lr or LR not in settings.params:
        return None
    return lr_transfer(trial_points(complete), direction == "maximize")


def first_trial_lines(transfer: LrTransfer | None, n_params: int | None) -> list[str]:
    """A phase-2 file's ``search.first_trial`` lines: the learning rate the law predicts at
    ``n_params`` (none without a law or a count)."""
    if transfer is None or not n_params:
        return []
    lr = transfer.predict(n_params)
    return [f"  first_trial:       # phase 1's lr law at {n_params:,} parameters: "
            f"{lr.value:.3g} [{lr.low:.3g}, {lr.high:.3g}] (search.phase2.transfer_lr)",
            f"    {LR}: {lr.value:.6g}"]

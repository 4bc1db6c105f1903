"""The learning-rate trend of a phase 1, and its prediction set against what phase 2 found.

The law is the one a phase-2 file's first trial comes from
(:func:`budget_hpo.phase2.lr_transfer.lr_transfer`: per budget, the learning rates of its three
best COMPLETE trials at the exact count of its best one), fitted from the snapshot's trials, so
the findings print the very prediction each file started at. Each phase-2 study of the phase is
then checked: the law at its budget's count (where its first trial was set) against the learning
rate of its best trial (by its fresh-seed mean where replicated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetLrs
from budget_hpo.phase2.lr_transfer import LR, LrTransfer, lr_point, lr_transfer
from budget_hpo.report.best_configs import RankedConfig, best_first, study_configs
from budget_hpo.report.snapshot import StudySnapshot

__all__ = ["STEP_UP", "LrFit", "Phase2Lr", "lr_fit"]

STEP_UP = 10  # the next budget up: tenfold the largest


@dataclass(frozen=True)
class Phase2Lr:
    """A phase-2 study's best learning rate against the law's prediction at its budget."""

    study: str
    budget: str
    n_params: int  # the budget's count, where its first trial was predicted
    predicted: Interval
    best: RankedConfig  # its best trial
    lr: float

    @property
    def outcome(self) -> str:
        p = self.predicted
        return ("outside: above" if self.lr > p.high else "outside: below" if self.lr < p.low
                else "inside")


@dataclass(frozen=True)
class LrFit:
    """The learning-rate law of a phase 1 (None, with ``why``, where it cannot be fitted), its
    points with each one's budget, and its phase-2 studies' checks."""

    points: tuple[tuple[str, BudgetLrs], ...] = ()  # (budget, its learning rates), by size
    law: LrTransfer | None = None
    why: str = ""
    phase2: tuple[Phase2Lr, ...] = ()
    phase2_missing: tuple[str, ...] = ()  # phase-2 studies without a best trial's lr

    @property
    def next_up(self) -> int | None:
        """The size of the next budget up (:data:`STEP_UP` × the largest)."""
        return STEP_UP * max(b.n_params for _, b in self.points) if self.points else None


def _phase2(transfer: LrTransfer, child: StudySnapshot) -> Phase2Lr | None:
    ranked = best_first(study_configs(child), "budget", child.maximize)
    if not ranked:
        return None
    best = ranked[0]
    record = best.trial.record
    n_params = record.budget_params or record.params_exact
    lr = best.trial.params.get(LR, record.lr)
    if not n_params or lr is None:
        return None
    return Phase2Lr(child.name, best.budget, n_params, transfer.predict(n_params), best, lr)


def lr_fit(study: StudySnapshot, children: Sequence[StudySnapshot] = ()) -> LrFit:
    """The learning-rate law of ``study`` and the checks of its phase-2 studies ``children``."""
    points = [lr_point(t.params, t.record, t.value) for t in study.complete
              if t.value is not None]
    try:
        transfer = lr_transfer(points, study.maximize)
    except ValueError as err:
        return LrFit(why=f"no fit: {err}")
    if transfer is None:
        return LrFit(why="no trial recorded both its learning rate and its exact count")
    budget_of = {p.n_params: p.budget for p in points}
    checks = [(c.name, _phase2(transfer, c)) for c in children]
    return LrFit(tuple((budget_of.get(b.n_params, "?"), b) for b in transfer.points), transfer,
                 phase2=tuple(c for _, c in checks if c is not None),
                 phase2_missing=tuple(name for name, c in checks if c is None))

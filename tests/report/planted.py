"""Report snapshots built by hand with planted values (no storage): a phase-1 study whose configs
and fresh-seed reruns carry what a test chooses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from budget_hpo.records import DatasetRecord, TrialRecord
from budget_hpo.report.snapshot import ReportSnapshot, StudySnapshot, TrialSnapshot

START = datetime(2026, 12, 1, 12, 0)
HALF = 0.02  # half the width of every planted origin interval


@dataclass(frozen=True)
class Planted:
    """One config of a phase: its selected value, its fresh seeds' values, and what its record
    (and each rerun's) holds besides the AUC."""

    budget: str
    style: str
    selected: float
    fresh: tuple[float, ...] = ()
    n_params: int | None = None
    lr: float = 1e-4
    record: dict[str, Any] = field(default_factory=dict)  # more fields of every record


Losses = Callable[[float, int | None], dict[str, float]]  # (val AUC, exact count) -> loss fields


def mae_of(auc: float) -> float:
    """A planted val MAE: a loss that falls as the AUC rises."""
    return 1.5 - auc


def mae_only(auc: float, n_params: int | None) -> dict[str, float]:
    """The losses of a record that holds the val MAE alone, without an interval."""
    return {"val_mae": mae_of(auc)}


def auc_record(value: float, losses: dict[str, float], **more: Any) -> TrialRecord:
    """A record of val AUC ``value`` with a ±HALF interval, the ``losses``, a test AUC and the
    baselines."""
    baselines = {"naive_val_auc": 0.50, "naive_val_auc_low": 0.47, "naive_val_auc_high": 0.53,
                 "linear_val_auc": 0.58, "linear_val_auc_low": 0.55, "linear_val_auc_high": 0.61,
                 "val_minus_linear": value - 0.58, "val_minus_linear_low": value - 0.58 - HALF,
                 "val_minus_linear_high": value - 0.58 + HALF}
    return TrialRecord(val_auc=value, val_auc_low=value - HALF, val_auc_high=value + HALF,
                       losses=losses, test_auc=value - 0.01, test_auc_low=value - 0.01 - HALF,
                       test_auc_high=value - 0.01 + HALF, baselines=baselines, **more)


def planted_study(name: str, configs: Sequence[Planted], dataset: str | None = None,
                  losses: Losses = mae_only) -> StudySnapshot:
    """A maximising phase 1: trial ``i`` is ``configs[i]``, its reruns its fresh values; each
    record's losses are ``losses`` of its AUC and exact count."""
    trials, replicates = [], {}
    for number, c in enumerate(configs):
        more = {"params_exact": c.n_params, "lr": c.lr, "budget": c.budget, "style": c.style,
                **c.record}
        trials.append(TrialSnapshot(
            number=number, state="COMPLETE", value=c.selected,
            params={"budget": c.budget, "style": c.style, "regularization.lr": c.lr},
            record=auc_record(c.selected, losses(c.selected, c.n_params), **more),
            datetime_start=START,
            datetime_complete=START + timedelta(seconds=30)))
        if c.fresh:
            replicates[number] = tuple(TrialSnapshot(
                number=100 * number + seed, state="COMPLETE", value=v,
                params={"budget": c.budget, "style": c.style},
                record=auc_record(v, losses(v, c.n_params), replicate_of=number, seed=seed,
                                  **more))
                for seed, v in enumerate(c.fresh, start=1))
    return StudySnapshot(name=name, direction="maximize", trials=tuple(trials),
                         replicates=replicates,
                         dataset=None if dataset is None else DatasetRecord(dataset))


def snapshot_of(*studies: StudySnapshot) -> ReportSnapshot:
    return ReportSnapshot(studies=studies, storage="sqlite:///x.db",
                          dashboard="optuna-dashboard sqlite:///x.db", read_at=START)

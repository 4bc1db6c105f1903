"""The trials of a report's studies as one table (a row per trial), from its snapshot.

Columns: ``study``, ``dataset`` (its :class:`budget_hpo.records.DatasetRecord`, else the study's
name), ``phase`` (``phase2`` for a study with a parent, see
:class:`budget_hpo.records.LineageRecord`, else ``phase1``), ``parent``, ``number``, ``state``,
``value``, one ``params_<name>`` column per search parameter, one column per
:class:`budget_hpo.records.TrialRecord` field, ``datetime_start``, ``duration_s``, and for a trial
with seed replicates ``seed_mean``, ``seed_sd`` and ``seed_n`` (its objective over its fresh
seeds, its own ``value`` excluded: see :class:`budget_hpo.search.replicates.SeedStats`). A
phase-2 study is linked to its phase 1 through its recorded parent, never through its name.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from budget_hpo.records import TrialRecord
from budget_hpo.report.snapshot import ReportSnapshot

__all__ = ["trials_frame"]

SEED_COLUMNS = ("seed_mean", "seed_sd", "seed_n")


def _rows(snapshot: ReportSnapshot) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for study in snapshot.studies:
        seeds = study.seeds
        for trial in study.trials:
            stats = seeds.get(trial.number)
            rows.append({
                "study": study.name, "dataset": study.dataset_name, "phase": study.phase,
                "parent": study.parent,
                "number": trial.number, "state": trial.state, "value": trial.value,
                **{f"params_{k}": v for k, v in trial.params.items()},
                **trial.record.to_row(),
                "datetime_start": trial.datetime_start, "duration_s": trial.duration_s,
                **({} if stats is None else
                   {"seed_mean": stats.mean, "seed_sd": stats.sd, "seed_n": stats.n}),
            })
    return rows


def _frame(snapshot: ReportSnapshot) -> pd.DataFrame:
    columns = ["study", "dataset", "phase", "parent", "number", "state", "value",
               *TrialRecord.columns()]
    frame = pd.DataFrame(_rows(snapshot))
    rest = [c for c in frame.columns if c not in columns and c not in SEED_COLUMNS]
    return frame.reindex(columns=[*columns, *rest, *SEED_COLUMNS])


_last: list[tuple[ReportSnapshot, pd.DataFrame]] = []  # the latest snapshot's table


def trials_frame(snapshot: ReportSnapshot) -> pd.DataFrame:
    """One row per trial of every study of ``snapshot`` (``trials.csv``). Built once per
    snapshot (every section and figure asks for it); each caller gets its own copy."""
    if not _last or _last[0][0] is not snapshot:
        _last[:] = [(snapshot, _frame(snapshot))]
    return _last[0][1].copy()

"""Which studies a report reads, and their trials as one table (a row per trial).

Columns: ``study``, ``dataset`` (its :class:`budget_hpo.records.DatasetRecord`, else the study's
name), ``phase`` (``phase2`` for a study with a parent, see
:class:`budget_hpo.records.LineageRecord`, else ``phase1``), ``parent``, ``number``, ``state``,
``value``, one ``params_<name>`` column per search parameter, one column per
:class:`budget_hpo.records.TrialRecord` field, and for a trial with seed replicates
``seed_mean``, ``seed_sd`` and ``seed_n`` (its objective over seeds, itself included). A phase-2
study is linked to its phase 1 through its recorded parent, never through its name.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from typing import Any

import optuna
import pandas as pd

from budget_hpo.errors import ConfigError
from budget_hpo.records import DatasetRecord, LineageRecord, TrialRecord
from budget_hpo.search.replicates import open_replicas, replicate_study_name, seed_stats
from budget_hpo.search.storage import open_storage, open_study

__all__ = [
    "PREFIX", "dataset_of", "load_studies", "parent_of", "phase_of", "seed_columns", "trials_frame",
    "with_phase2",
]

PREFIX = "budget-hpo-"


def parent_of(study: Any) -> str | None:
    """The phase-1 study a study (or study summary) continues, or None for a phase 1."""
    record = LineageRecord.from_study_attrs(study.user_attrs)
    return None if record is None else record.parent


def dataset_of(study: Any) -> str:
    """The dataset a study searched (recorded by the sweeper), else the study's name."""
    record = DatasetRecord.from_study_attrs(study.user_attrs)
    return study.study_name if record is None else record.name


def phase_of(study: Any) -> str:
    """``phase2`` for a study with a parent, else ``phase1``."""
    return "phase1" if parent_of(study) is None else "phase2"


def _summaries(storage: str) -> list[Any]:
    return optuna.get_all_study_summaries(open_storage(storage, create=False),
                                          include_best_trial=False)


def load_studies(storage: str, names: Sequence[str] | None = None) -> list[optuna.Study]:
    """The named studies (a name may be a glob such as ``budget-hpo-phase1-*``), or every
    ``budget-hpo-*`` study in ``storage``; phase 1 first. A phase's seed replicates are read
    with it, never as a study of their own.

    Raises:
        ConfigError: a glob that matches no study, or a storage without budget-hpo studies.
    """
    summaries = _summaries(storage)
    replicas = {replicate_study_name(s.study_name) for s in summaries}
    ours = sorted((s for s in summaries if s.study_name not in replicas),
                  key=lambda s: (phase_of(s), s.study_name))
    if not names:
        names = [s.study_name for s in ours if s.study_name.startswith(PREFIX)]
        if not names:
            raise ConfigError("--storage", storage, "a storage holding budget-hpo-* studies")
    chosen: list[str] = []
    for pattern in names:
        if not any(c in pattern for c in "*?["):
            chosen.append(pattern)  # a plain name: open_study says if it is absent
            continue
        found = [s.study_name for s in ours if fnmatch.fnmatchcase(s.study_name, pattern)]
        if not found:
            raise ConfigError("--study", pattern, "a name or glob matching a study in the storage")
        chosen += found
    return [open_study(storage, name) for name in dict.fromkeys(chosen)]


def with_phase2(storage: str, study_name: str) -> list[str]:
    """A phase-1 study and the phase-2 studies that record it as their parent."""
    children = sorted(s.study_name for s in _summaries(storage) if parent_of(s) == study_name)
    return [study_name, *children]


def trials_frame(studies: Sequence[optuna.Study]) -> pd.DataFrame:
    """One row per trial of every study."""
    rows: list[dict[str, Any]] = []
    for study in studies:
        for trial in study.get_trials(deepcopy=False):
            duration = trial.duration.total_seconds() if trial.duration is not None else None
            rows.append({
                "study": study.study_name, "dataset": dataset_of(study), "phase": phase_of(study),
                "parent": parent_of(study),
                "number": trial.number, "state": trial.state.name, "value": trial.value,
                **{f"params_{k}": v for k, v in trial.params.items()},
                **TrialRecord.from_attrs(trial.user_attrs).to_row(),
                "datetime_start": trial.datetime_start, "duration_s": duration,
            })
    columns = ["study", "dataset", "phase", "parent", "number", "state", "value",
               *TrialRecord.columns()]
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=[*columns, *(c for c in frame.columns if c not in columns)])


def seed_columns(frame: pd.DataFrame, studies: Sequence[optuna.Study], storage: str
                 ) -> pd.DataFrame:
    """``frame`` with ``seed_mean``, ``seed_sd`` and ``seed_n`` for every replicated trial."""
    rows = [{"study": study.study_name, "number": n, "seed_mean": s.mean, "seed_sd": s.sd,
             "seed_n": len(s.values)}
            for study in studies
            for n, s in seed_stats(study, open_replicas(storage, study.study_name)).items()]
    columns = ["study", "number", "seed_mean", "seed_sd", "seed_n"]
    if frame.empty:
        return frame.reindex(columns=[*frame.columns, *columns[2:]])
    return frame.merge(pd.DataFrame(rows, columns=columns), on=["study", "number"], how="left")

"""Which studies a report reads, and their trials as one table (a row per trial).

Columns: ``study``, ``phase``, ``number``, ``state``, ``value``, one ``params_<name>`` column per
search parameter, and one column per :class:`budget_hpo.records.TrialRecord` field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

import optuna
import pandas as pd

from budget_hpo.errors import ConfigError
from budget_hpo.records import TrialRecord
from budget_hpo.search.storage import open_storage, open_study

__all__ = ["PREFIX", "load_studies", "phase_of", "trials_frame", "with_phase2"]

PREFIX = "budget-hpo-"


def phase_of(study_name: str) -> str:
    """``budget-hpo-phase1`` -> ``phase1``."""
    return study_name.removeprefix(PREFIX)


def _names(storage: str) -> list[str]:
    summaries = optuna.get_all_study_summaries(open_storage(storage, create=False),
                                               include_best_trial=False)
    return [s.study_name for s in summaries]


def load_studies(storage: str, names: Sequence[str] | None = None) -> list[optuna.Study]:
    """The named studies, or every ``budget-hpo-*`` study in ``storage`` (phase 1 first)."""
    if not names:
        names = sorted((n for n in _names(storage) if n.startswith(PREFIX)),
                       key=lambda n: (not phase_of(n).startswith("phase1"), n))
    if not names:
        raise ConfigError("--storage", storage, "a storage holding budget-hpo-* studies")
    return [open_study(storage, name) for name in names]


def with_phase2(storage: str, study_name: str) -> list[str]:
    """A phase-1 study and the phase-2 studies in the same storage."""
    return [study_name, *sorted(n for n in _names(storage) if n.startswith(f"{PREFIX}phase2_"))]


def trials_frame(studies: Sequence[optuna.Study]) -> pd.DataFrame:
    """One row per trial of every study."""
    rows: list[dict[str, Any]] = []
    for study in studies:
        for trial in study.get_trials(deepcopy=False):
            duration = trial.duration.total_seconds() if trial.duration is not None else None
            rows.append({
                "study": study.study_name, "phase": phase_of(study.study_name),
                "number": trial.number, "state": trial.state.name, "value": trial.value,
                **{f"params_{k}": v for k, v in trial.params.items()},
                **asdict(TrialRecord.from_attrs(trial.user_attrs)),
                "datetime_start": trial.datetime_start, "duration_s": duration,
            })
    columns = ["study", "phase", "number", "state", "value", *(f.name for f in fields(TrialRecord))]
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=[*columns, *(c for c in frame.columns if c not in columns)])

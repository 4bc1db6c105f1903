"""What the report reads of a storage, read once: a typed, frozen snapshot of the studies.

:func:`load_snapshot` is the report's only door to the storage. It lists the storage's studies
once, opens each chosen study and its ``<study>-replicates`` study once, and keeps what the
report needs as plain values (in the spirit of Optuna's frozen trials): each study's direction,
its recorded dataset, lineage, early stop, seed noise, phase end and search space
(:mod:`budget_hpo.records`), its trials and their :class:`~budget_hpo.records.TrialRecord`, its
seed replicates grouped by the trial they replicate, and its phase-2 children. Every section,
table and figure of the report is a function of a :class:`ReportSnapshot`, so it can be built
by hand, without a storage.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.records import (
    DatasetRecord,
    EarlyStopRecord,
    LineageRecord,
    ModelRecord,
    NoiseRecord,
    PhaseEndRecord,
    SpaceRecord,
    TrialRecord,
)
from budget_hpo.search.replicates import SeedStats, replicate_study_name, seed_stats_of
from budget_hpo.search.storage import dashboard_command, display_url, open_storage, open_study

__all__ = [
    "PREFIX", "ReportSnapshot", "StudySnapshot", "TrialSnapshot", "choose_studies",
    "load_snapshot", "with_phase2",
]

PREFIX = "budget-hpo-"


@dataclass(frozen=True)
class TrialSnapshot:
    """One trial as the report sees it: Optuna's own fields and budget_hpo's record."""

    number: int
    state: str  # the TrialState's name: COMPLETE, FAIL, PRUNED, RUNNING, WAITING
    value: float | None
    params: Mapping[str, Any]
    distributions: Mapping[str, Any] = field(default_factory=dict)  # Optuna's, by parameter
    record: TrialRecord = field(default_factory=TrialRecord)
    datetime_start: datetime | None = None
    datetime_complete: datetime | None = None

    @property
    def complete(self) -> bool:
        return self.state == "COMPLETE"

    @property
    def duration_s(self) -> float | None:
        """Seconds from start to end; None while it runs or if it never started."""
        if self.datetime_start is None or self.datetime_complete is None:
            return None
        return (self.datetime_complete - self.datetime_start).total_seconds()


@dataclass(frozen=True)
class StudySnapshot:
    """One study (a phase) with everything recorded on it, its replicates and its lineage."""

    name: str
    direction: str  # maximize | minimize
    trials: tuple[TrialSnapshot, ...] = ()
    replicates: Mapping[int, tuple[TrialSnapshot, ...]] = field(default_factory=dict)
    children: tuple[str, ...] = ()  # the phase-2 studies that record this one as their parent
    storage: str = ""  # the storage's URL as it may be shown (password hidden)
    dataset: DatasetRecord | None = None
    model: ModelRecord | None = None  # the model family it searched (recorded by the sweeper)
    lineage: LineageRecord | None = None
    early_stop: EarlyStopRecord | None = None
    noise: NoiseRecord | None = None
    phase_end: PhaseEndRecord | None = None
    space: SpaceRecord | None = None

    @property
    def maximize(self) -> bool:
        return self.direction == "maximize"

    @property
    def parent(self) -> str | None:
        """The phase-1 study this one continues, or None for a phase 1."""
        return None if self.lineage is None else self.lineage.parent

    @property
    def phase(self) -> str:
        """``phase2`` for a study with a parent, else ``phase1``."""
        return "phase1" if self.parent is None else "phase2"

    @property
    def dataset_name(self) -> str:
        """The dataset it searched (recorded by the sweeper), else the study's name."""
        return self.name if self.dataset is None else self.dataset.name

    @property
    def complete(self) -> tuple[TrialSnapshot, ...]:
        return tuple(t for t in self.trials if t.complete)

    @property
    def seeds(self) -> dict[int, SeedStats]:
        """Trial number -> its selected value and its fresh seeds, for every trial with
        COMPLETE replicates (:func:`budget_hpo.search.replicates.seed_stats_of`)."""
        reruns = [(of, r.value) for of, group in self.replicates.items() for r in group
                  if r.complete]
        return seed_stats_of({t.number: t.value for t in self.complete}, reruns)


@dataclass(frozen=True)
class ReportSnapshot:
    """The studies a report covers, phase 1 first, as read at ``read_at``."""

    studies: tuple[StudySnapshot, ...]
    storage: str  # the URL as it may be shown (password hidden)
    dashboard: str  # the command that browses the storage
    read_at: datetime

    @property
    def phase1(self) -> tuple[StudySnapshot, ...]:
        return tuple(s for s in self.studies if s.parent is None)

    @property
    def phase2(self) -> tuple[StudySnapshot, ...]:
        return tuple(s for s in self.studies if s.parent is not None)


def _trial(trial: Any) -> TrialSnapshot:
    return TrialSnapshot(
        number=trial.number, state=trial.state.name, value=trial.value,
        params=dict(trial.params), distributions=dict(trial.distributions),
        record=TrialRecord.from_attrs(trial.user_attrs), datetime_start=trial.datetime_start,
        datetime_complete=trial.datetime_complete)


def _grouped(replicas: Sequence[TrialSnapshot]) -> dict[int, tuple[TrialSnapshot, ...]]:
    groups: dict[int, list[TrialSnapshot]] = {}
    for rep in replicas:
        if rep.record.replicate_of is not None:
            groups.setdefault(rep.record.replicate_of, []).append(rep)
    return {of: tuple(group) for of, group in sorted(groups.items())}


def choose_studies(studies: Sequence[Any], names: Sequence[str] | None,
                   storage: str) -> list[str]:
    """The study names a report covers, from the storage's studies (each one's name and user
    attributes, see :func:`_studies`): ``names`` (a name may be a glob such as
    ``budget-hpo-phase1-*``), or every ``budget-hpo-*`` study; phase 1 first. A phase's seed
    replicates go with it, never as a study of their own.

    Raises:
        ConfigError: a glob that matches no study, or a storage without budget-hpo studies.
    """
    replicas = {replicate_study_name(s.study_name) for s in studies}
    ours = sorted((s for s in studies if s.study_name not in replicas),
                  key=lambda s: (LineageRecord.from_study_attrs(s.user_attrs) is not None,
                                 s.study_name))
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
    return list(dict.fromkeys(chosen))


def _children(studies: Sequence[Any], name: str) -> tuple[str, ...]:
    return tuple(sorted(s.study_name for s in studies
                        if (r := LineageRecord.from_study_attrs(s.user_attrs)) is not None
                        and r.parent == name))


def _studies(storage: str) -> list[Any]:
    """Every study of ``storage``, as its name and user attributes: none of its trials is read
    (Optuna's study summaries read every trial of every study in the storage)."""
    return list(open_storage(storage, create=False).get_all_studies())


def load_snapshot(storage: str, names: Sequence[str] | None = None) -> ReportSnapshot:
    """Read the studies ``names`` (see :func:`choose_studies`) of ``storage`` into a snapshot:
    the storage's studies are listed once, and each chosen study and its replicate study are
    opened and read once.

    Raises:
        ConfigError: a missing storage or study, or a glob that matches no study.
    """
    listed = _studies(storage)
    present = {s.study_name for s in listed}
    shown = display_url(storage)
    studies = []
    for name in choose_studies(listed, names, storage):
        study = open_study(storage, name)
        attrs = study.user_attrs
        replicas = replicate_study_name(name)
        reruns = ([_trial(t) for t in open_study(storage, replicas).get_trials(deepcopy=False)]
                  if replicas in present else [])
        studies.append(StudySnapshot(
            name=name, direction=study.direction.name.lower(),
            trials=tuple(_trial(t) for t in study.get_trials(deepcopy=False)),
            replicates=_grouped(reruns), children=_children(listed, name), storage=shown,
            dataset=DatasetRecord.from_study_attrs(attrs),
            model=ModelRecord.from_study_attrs(attrs),
            lineage=LineageRecord.from_study_attrs(attrs),
            early_stop=EarlyStopRecord.from_study_attrs(attrs),
            noise=NoiseRecord.from_study_attrs(attrs),
            phase_end=PhaseEndRecord.from_study_attrs(attrs),
            space=SpaceRecord.from_study_attrs(attrs)))
    return ReportSnapshot(studies=tuple(studies), storage=shown,
                          dashboard=dashboard_command(storage), read_at=datetime.now())


def with_phase2(storage: str, study_name: str) -> list[str]:
    """A phase-1 study and the phase-2 studies that record it as their parent."""
    return [study_name, *_children(_studies(storage), study_name)]

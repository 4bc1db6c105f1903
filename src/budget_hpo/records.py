"""What budget_hpo keeps on an Optuna study, as typed records with explicit conversions.

A trial's user attributes are one :class:`TrialRecord`; the early-stop verdict stored on the study
is one :class:`EarlyStopRecord`. Every reader and writer (sweeper, callbacks, pruning, phase 2,
report) goes through them, so an attribute's name is spelt once, here.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar, TypeVar

from budget_hpo.baseline_fields import is_metric_name
from budget_hpo.forecast_losses import LossAttributes, is_loss_name, loss_names

__all__ = [
    "DatasetRecord", "EarlyStopRecord", "LineageRecord", "ModelRecord", "NoiseRecord",
    "PhaseEndRecord",
    "SpaceRecord", "TrialRecord",
]


@dataclass(frozen=True)
class TrialRecord(LossAttributes):
    """A trial's user attributes: how it came to run, how it ended, and what it measured.

    The forecast losses live in ``losses`` and the baselines' metrics in ``baselines``, under
    their stored names (``val_mse``, ``test_mae_high``..., see
    :func:`budget_hpo.forecast_losses.loss_keys`; ``naive_val_auc``, ``val_minus_gbt_high``...,
    see :func:`budget_hpo.trial.baselines.metric_keys`): each is a user attribute of its own and
    a column of ``trials.csv``, read as ``record.val_mse``, ``record.naive_val_auc``.
    """

    # how it came to run
    forced: bool | None = None  # set by the sweeper on every trial it runs
    forced_id: str | None = None  # e.g. G3-lr-1e-5-20M
    retry_of: int | None = None  # the trial whose dead worker this one replaces
    replicate_of: int | None = None  # a seed replicate of this trial of the phase's study
    stale: bool | None = None  # failed because its worker stopped sending heartbeats
    job_dir: str | None = None
    # how it ended, when not COMPLETE
    fail_reason: str | None = None
    pruned: str | None = None
    steps_done: int | None = None  # training steps at the last pruning check
    # what it measured (the same names as in result.json)
    budget: str | None = None
    budget_params: int | None = None
    style: str | None = None
    model: str | None = None
    shape: str | None = None  # pinned | solved
    d_model: int | None = None
    n_layers: int | None = None
    n_heads: int | None = None
    params_exact: int | None = None
    params_formula: int | None = None
    dropout: float | None = None
    lr: float | None = None
    weight_decay: float | None = None
    batch_size: int | None = None
    seed: int | None = None
    val_auc: float | None = None
    test_auc: float | None = None
    val_auc_low: float | None = None
    val_auc_high: float | None = None
    test_auc_low: float | None = None
    test_auc_high: float | None = None
    train_steps: int | None = None
    wall_time_s: float | None = None
    train_time_s: float | None = None
    curves: str | None = None  # the trial's training curves (a folder, or an MLflow run)
    forecasts: str | None = None  # its saved forecasts.parquet (budget-hpo-report --rescore)
    losses: dict[str, float] = field(default_factory=dict)  # MSE, MAE and their intervals
    baselines: dict[str, float] = field(default_factory=dict)  # every registered baseline's metric

    def to_row(self) -> dict[str, Any]:
        """Every field flat, as a row of ``trials.csv``: :meth:`columns` (an unrecorded loss is
        None), then the recorded baseline metrics."""
        fixed = {name: getattr(self, name) for name in _FIXED_FIELDS}  # scalars: no deep copy
        return {**fixed, **{k: self.losses.get(k) for k in loss_names()}, **self.baselines}

    @classmethod
    def columns(cls) -> list[str]:
        """The fixed fields and the losses of :meth:`to_row` (the baseline metrics follow)."""
        return [*(f.name for f in fields(cls) if f.name not in _MAPPINGS), *loss_names()]

    def to_attrs(self) -> dict[str, Any]:
        """The user attributes to set; unset (None) fields are left out."""
        return {k: v for k, v in self.to_row().items() if v is not None}

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any]) -> TrialRecord:
        """Read a trial's user attributes (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)} - set(_MAPPINGS)
        return cls(**{k: v for k, v in attrs.items() if k in known and v is not None},
                   losses=_picked(attrs, is_loss_name),
                   baselines=_picked(attrs, is_metric_name))

    def with_result(self, result: Mapping[str, Any]) -> TrialRecord:
        """This record plus the measured values of a ``result.json``."""
        measured = {f.name for f in fields(self)} - _RUN_FIELDS - set(_MAPPINGS)
        return replace(self, **{k: result[k] for k in measured if k in result},
                       losses={**self.losses, **_picked(result, is_loss_name)},
                       baselines={**self.baselines, **_picked(result, is_metric_name)})


_MAPPINGS = ("losses", "baselines")  # the fields that hold flat, named metrics

_FIXED_FIELDS = tuple(f.name for f in fields(TrialRecord) if f.name not in _MAPPINGS)


_RUN_FIELDS = {
    "forced", "forced_id", "retry_of", "stale", "job_dir", "fail_reason", "pruned", "steps_done",
}


def _picked(attrs: Mapping[str, Any], known: Callable[[str], bool]) -> dict[str, float]:
    """The metrics among ``attrs`` whose flat names are ``known`` (None left out)."""
    return {k: v for k, v in attrs.items() if known(k) and v is not None}


@dataclass(frozen=True)
class EarlyStopRecord:
    """The early stop, recorded on the study when the rule first fires."""

    n_complete: int  # COMPLETE trials when it fired
    n_trials: int  # trials in the study when it fired
    spread: float  # max - min of the top_k values
    top_values: tuple[float, ...]
    patience: int
    threshold: float
    top_k: int

    KEY = "early_stop"  # the study's user attribute

    def to_attrs(self) -> dict[str, Any]:
        return {self.KEY: {**asdict(self), "top_values": list(self.top_values)}}

    @classmethod
    def from_study_attrs(cls, attrs: Mapping[str, Any]) -> EarlyStopRecord | None:
        """The recorded early stop of a study (its ``user_attrs``), or None."""
        raw = attrs.get(cls.KEY)
        if not raw:
            return None
        return cls(**{**raw, "top_values": tuple(raw["top_values"])})


@dataclass(frozen=True)
class SpaceRecord:
    """The search space a study began with: each parameter's distribution as Optuna's JSON."""

    params: dict[str, str]

    KEY = "search_space"

    def to_attrs(self) -> dict[str, Any]:
        return {self.KEY: dict(self.params)}

    @classmethod
    def from_study_attrs(cls, attrs: Mapping[str, Any]) -> SpaceRecord | None:
        raw = attrs.get(cls.KEY)
        return cls(dict(raw)) if raw else None


@dataclass(frozen=True)
class PhaseEndRecord:
    """Who writes a phase's phase-2 files and report, for how many finished trials, and whether
    they were written: one worker per state of the study, and again after a crash."""

    n_finished: int
    claimed_at: float  # time.time() of the claim
    done: bool = False

    KEY = "phase_end"

    def to_attrs(self) -> dict[str, Any]:
        return {self.KEY: asdict(self)}

    @classmethod
    def from_study_attrs(cls, attrs: Mapping[str, Any]) -> PhaseEndRecord | None:
        raw = attrs.get(cls.KEY)
        return cls(**raw) if raw else None


@dataclass(frozen=True)
class LineageRecord:
    """A phase-2 study's parent: the phase-1 study whose experiment it continues."""

    parent: str

    KEY = "parent_study"

    def to_attrs(self) -> dict[str, Any]:
        return {self.KEY: self.parent}

    @classmethod
    def from_study_attrs(cls, attrs: Mapping[str, Any]) -> LineageRecord | None:
        raw = attrs.get(cls.KEY)
        return cls(str(raw)) if raw else None


@dataclass(frozen=True)
class NoiseRecord:
    """The measured seed noise behind ``search.early_stop.threshold=auto``: the objective of the
    first forced config (trial ``of``) over further model seeds, and the threshold it sets."""

    of: int  # the phase's trial that was replicated
    values: tuple[float, ...]  # the COMPLETE reruns' objective values
    factor: float  # threshold = factor x sd

    KEY = "seed_noise"

    @property
    def sd(self) -> float:
        """Sample standard deviation of ``values``; NaN with fewer than two."""
        return statistics.stdev(self.values) if len(self.values) >= 2 else float("nan")

    @property
    def threshold(self) -> float:
        return self.factor * self.sd

    def to_attrs(self) -> dict[str, Any]:
        return {self.KEY: {**asdict(self), "values": list(self.values)}}

    @classmethod
    def from_study_attrs(cls, attrs: Mapping[str, Any]) -> NoiseRecord | None:
        raw = attrs.get(cls.KEY)
        return cls(**{**raw, "values": tuple(raw["values"])}) if raw else None


_Named = TypeVar("_Named", bound="_NamedRecord")


@dataclass(frozen=True)
class _NamedRecord:
    """A study-level record that is one name under its ``KEY``."""

    name: str

    KEY: ClassVar[str] = ""

    def to_attrs(self) -> dict[str, Any]:
        return {self.KEY: self.name}

    @classmethod
    def from_study_attrs(cls: type[_Named], attrs: Mapping[str, Any]) -> _Named | None:
        raw = attrs.get(cls.KEY)
        return cls(str(raw)) if raw else None


@dataclass(frozen=True)
class DatasetRecord(_NamedRecord):
    """The dataset a study searched (:func:`budget_hpo.dataset_names.dataset_name`): the report
    compares studies across datasets through it."""

    KEY: ClassVar[str] = "dataset"


@dataclass(frozen=True)
class ModelRecord(_NamedRecord):
    """The model family a study searched (``model.name``): the report compares the families
    searched on one dataset through it."""

    KEY: ClassVar[str] = "model_family"

"""What the phase sweeps ask of a study: which trials count towards ``n_trials``, which run,
the failure share, the forced configs enqueued once, a job's result and the early stop recorded.

Attributes are read and written through :mod:`budget_hpo.records` only.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from budget_hpo.records import EarlyStopRecord, NoiseRecord, PhaseEndRecord, TrialRecord
from budget_hpo.schema import EarlyStopConfig, SearchConfig
from budget_hpo.search.early_stop import Convergence, check_convergence, in_force
from budget_hpo.search.forced import ForcedTrial

__all__ = [
    "SweepAborted",
    "check_failure_share",
    "annotate",
    "best_first",
    "claim_phase_end",
    "counted_trials",
    "early_stop_of",
    "phase_end_written",
    "enqueue_forced",
    "failure_share",
    "noise_of",
    "record_once",
    "record_result",
    "running_trials",
    "stale_numbers",
    "update_early_stop",
]

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)


def _trials(study: optuna.Study, states: Sequence[TrialState] | None = None) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=states)


def stale_numbers(study: optuna.Study) -> set[int]:
    """Trials failed because their worker died (see :mod:`budget_hpo.search.heartbeat`)."""
    return {t.number for t in _trials(study, (TrialState.FAIL,))
            if TrialRecord.from_attrs(t.user_attrs).stale}


def counted_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Finished trials that count towards ``n_trials``: a dead worker's trial does not (its
    config is retried); a trial that failed on its own does."""
    stale = stale_numbers(study)
    return [t for t in _trials(study, FINISHED) if t.number not in stale]


def running_trials(study: optuna.Study) -> list[FrozenTrial]:
    return _trials(study, (TrialState.RUNNING,))


def failure_share(study: optuna.Study) -> tuple[int, int]:
    """(failed, finished) among the counted trials."""
    counted = counted_trials(study)
    return sum(t.state == TrialState.FAIL for t in counted), len(counted)


def enqueue_forced(
    study: optuna.Study, forced: Sequence[ForcedTrial], params: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Enqueue the forced configs not yet in the study, in order; returns the ids enqueued.

    Args:
        params: forced id -> the trial's parameters in the search space's names.
    """
    present = {TrialRecord.from_attrs(t.user_attrs).forced_id for t in _trials(study)}
    added = []
    for trial in forced:
        if trial.id in present:
            continue
        record = TrialRecord(forced=True, forced_id=trial.id)
        study.enqueue_trial(dict(params[trial.id]), user_attrs=record.to_attrs())
        added.append(trial.id)
    return added


def set_user_attrs(trial: optuna.Trial, attrs: Mapping[str, Any]) -> None:
    """Set ``attrs`` on ``trial``: in one transaction where its storage can (the RDB kinds'
    :class:`~budget_hpo.search.storage_kinds.BatchedRDBStorage`, behind Optuna's cache), else
    one by one (a journal file: one line each)."""
    storage: Any = trial.storage
    batch = getattr(getattr(storage, "_backend", storage), "set_trial_user_attrs", None)
    if batch is None:
        for key, value in attrs.items():
            trial.set_user_attr(key, value)
        return
    batch(trial._trial_id, attrs)
    trial._cached_frozen_trial.user_attrs.update(attrs)  # as Trial.set_user_attr keeps it


def annotate(trial: optuna.Trial, **fields: Any) -> None:
    """Set some of a trial's :class:`TrialRecord` fields (the dataclass checks their names)."""
    set_user_attrs(trial, TrialRecord(**fields).to_attrs())


def record_result(trial: optuna.Trial, output_dir: Path) -> TrialRecord:
    """Copy the job's ``result.json`` (if it wrote one) and folder into the trial's attributes."""
    record = replace(TrialRecord.from_attrs(trial.user_attrs), job_dir=str(output_dir))
    path = output_dir / "result.json"
    if path.is_file():
        record = record.with_result(json.loads(path.read_text()))
    set_user_attrs(trial, record.to_attrs())  # baseline metrics too: not init fields
    return record


def update_early_stop(
    study: optuna.Study,
    rule: EarlyStopConfig,
    direction: str,
    pending: Mapping[int, float] | None = None,
) -> Convergence:
    """Apply the rule to the study's COMPLETE trials (plus ``pending`` values not yet told).

    The first time it fires, the stop is recorded on the study (:class:`EarlyStopRecord`) and
    logged. ``threshold: auto`` reads the seed noise recorded on the study. Returns the verdict.
    """
    rule = in_force(rule, noise_of(study))
    values = {t.number: float(t.value) for t in _trials(study, (TrialState.COMPLETE,))}  # type: ignore[arg-type]
    values.update(pending or {})
    verdict = check_convergence(values.values(), direction, rule)
    if rule.enabled and verdict.converged and early_stop_of(study) is None:
        assert verdict.spread is not None
        record = EarlyStopRecord(
            n_complete=verdict.n_complete, n_trials=len(_trials(study)), spread=verdict.spread,
            top_values=verdict.top_values, patience=rule.patience, threshold=float(rule.threshold),
            top_k=rule.top_k,
        )
        for key, value in record.to_attrs().items():
            study.set_user_attr(key, value)
        log.info(
            "early stop: the top %d of %d complete trials lie within %.4f (threshold %.4f); "
            "no further trials are launched",
            rule.top_k, verdict.n_complete, verdict.spread, rule.threshold,
        )
    return verdict


def best_first(study: optuna.Study, trials: Sequence[FrozenTrial]) -> list[FrozenTrial]:
    """``trials`` (COMPLETE ones) best objective first for the study's direction; ties by
    trial number."""
    sign = -1.0 if study.direction == optuna.study.StudyDirection.MAXIMIZE else 1.0
    return sorted(trials, key=lambda t: (sign * (t.value or 0.0), t.number))


def record_once(study: optuna.Study, *records: Any) -> None:
    """Set each study-level record (e.g. :class:`budget_hpo.records.DatasetRecord`) unless the
    study already holds one of its kind: a study's first settings stay its own."""
    for record in records:
        if type(record).from_study_attrs(study.user_attrs) is None:
            for key, value in record.to_attrs().items():
                study.set_user_attr(key, value)


def noise_of(study: optuna.Study) -> NoiseRecord | None:
    """The seed noise measured for ``threshold: auto``, if recorded on ``study``."""
    return NoiseRecord.from_study_attrs(study.user_attrs)


def early_stop_of(study: optuna.Study) -> EarlyStopRecord | None:
    """The early stop recorded on ``study``, if any."""
    return EarlyStopRecord.from_study_attrs(study.user_attrs)


def claim_phase_end(study: optuna.Study, grace_period: float) -> bool:
    """Whether this worker writes the phase's files (call under the study lock when the phase
    ended): only when no trial runs, and only if no live claim covers the same finished trials.
    A claim older than ``grace_period`` whose files were never written belonged to a dead worker.
    """
    if running_trials(study):
        return False  # the worker that finishes the last running trial writes them
    n_finished = len(_trials(study, FINISHED))
    now = time.time()
    claim = PhaseEndRecord.from_study_attrs(study.user_attrs)
    if claim is not None and claim.n_finished == n_finished:
        if claim.done or now - claim.claimed_at < grace_period:
            return False
    for key, value in PhaseEndRecord(n_finished, now).to_attrs().items():
        study.set_user_attr(key, value)
    return True


def phase_end_written(study: optuna.Study) -> None:
    """Record that the claimed phase-end files were written."""
    claim = PhaseEndRecord.from_study_attrs(study.user_attrs)
    if claim is not None:
        for key, value in replace(claim, done=True).to_attrs().items():
            study.set_user_attr(key, value)


class SweepAborted(RuntimeError):
    """Too many trials failed: the sweep stops instead of burning more compute."""


def check_failure_share(study: optuna.Study, search: SearchConfig) -> None:
    """Abort when more than ``search.max_failure_share`` of the counted finished trials failed
    (once at least ``search.min_trials_before_abort`` have finished)."""
    failed, finished = failure_share(study)
    too_many = finished and failed / finished > search.max_failure_share
    if finished >= search.min_trials_before_abort and too_many:
        message = (
            f"{failed} of {finished} finished trials failed, more than "
            f"search.max_failure_share={search.max_failure_share}: sweep aborted "
            f"(see each trial's fail_reason; rerun the command to continue the study)"
        )
        log.error(message)
        raise SweepAborted(message)

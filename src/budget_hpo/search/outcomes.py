"""What a launched job came to, and telling it to its trial, whatever happened on the way.

* A job's return (:func:`from_return`): its objective, or the exception it raised.
* A batch whose launcher raised (a SLURM time limit or OOM, a killed joblib worker, overrides
  that do not compose): each job's ``result.json`` if it wrote one, else the launcher's error
  (:func:`recovered`). Batch-mates that finished are told normally.
* A trial that another worker failed as stale while it ran (its owner stalled past
  ``grace_period``): the owner's result is kept on the trial's waiting retry, which is then not
  trained again, or, if the retry already runs elsewhere, recorded on the study as a late result
  (:func:`tell`).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from hydra.core.utils import JobReturn
from optuna.trial import TrialState

from budget_hpo.records import TrialRecord
from budget_hpo.search.study import annotate, record_result

__all__ = ["LauncherFailed", "Outcome", "from_return", "recovered", "tell"]

log = logging.getLogger(__name__)


class LauncherFailed(RuntimeError):
    """The launcher raised before this job returned (and the job left no result)."""


@dataclass(frozen=True)
class Outcome:
    """A finished job: its folder, and its objective or the error that stopped it."""

    output_dir: Path | None
    value: float | None = None
    error: BaseException | None = None


def _first_line(err: BaseException) -> str:
    text = str(err).splitlines()[0] if str(err) else ""
    return f"{type(err).__name__}: {text}"


def from_return(ret: JobReturn) -> Outcome:
    """The outcome of a job the launcher returned."""
    output_dir = Path(str(ret.hydra_cfg.hydra.runtime.output_dir)) if ret.hydra_cfg else None
    try:
        value = float(ret.return_value)  # re-raises the job's exception if it failed
        if not math.isfinite(value):
            raise ValueError(f"objective is {value}")
    except Exception as err:
        return Outcome(output_dir, error=err)
    return Outcome(output_dir, value=value)


def recovered(job_dir: Path, err: BaseException) -> Outcome:
    """The outcome of a job whose batch's launcher raised: its own result if it wrote one."""
    result = job_dir / "result.json"
    if result.is_file():
        return Outcome(job_dir, value=float(json.loads(result.read_text())["objective_value"]))
    return Outcome(job_dir if job_dir.is_dir() else None,
                   error=LauncherFailed(f"the launcher failed: {_first_line(err)}"))


def _finish(study: optuna.Study, trial: optuna.Trial, outcome: Outcome) -> float | None:
    record = TrialRecord.from_attrs(trial.user_attrs)
    if outcome.output_dir is not None:
        record = record_result(trial, outcome.output_dir)
    annotate(trial, forced=bool(record.forced))
    if isinstance(outcome.error, optuna.TrialPruned):
        annotate(trial, pruned=str(outcome.error))
        study.tell(trial, state=TrialState.PRUNED)
        log.info("trial %d %s", trial.number, outcome.error)
        return None
    if outcome.error is not None:  # recorded, and the sweep goes on
        reason = _first_line(outcome.error)
        annotate(trial, fail_reason=reason)
        study.tell(trial, state=TrialState.FAIL)
        log.warning("trial %d failed: %s", trial.number, reason)
        return None
    study.tell(trial, outcome.value)
    return outcome.value


def tell(study: optuna.Study, trial: optuna.Trial, outcome: Outcome) -> float | None:
    """Record ``outcome`` on ``trial``; returns the objective of a COMPLETE trial."""
    try:
        return _finish(study, trial, outcome)
    except (optuna.exceptions.UpdateFinishedTrialError, ValueError):
        if not study._storage.get_trial(trial._trial_id).state.is_finished():
            raise
        return _hand_over(study, trial, outcome)


def _hand_over(study: optuna.Study, trial: optuna.Trial, outcome: Outcome) -> float | None:
    """Keep the result of a trial that another worker failed as stale while it ran."""
    storage: Any = study._storage
    waiting = study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    retry = next((t for t in waiting
                  if TrialRecord.from_attrs(t.user_attrs).retry_of == trial.number), None)
    if retry is not None and storage.set_trial_state_values(retry._trial_id, TrialState.RUNNING):
        log.warning("trial %d was failed by another worker while it ran (it missed heartbeats "
                    "for search.grace_period); its result is kept on its retry, trial %d, "
                    "which is not trained again", trial.number, retry.number)
        return _finish(study, optuna.Trial(study, retry._trial_id), outcome)
    late = {"value": outcome.value, "job_dir": str(outcome.output_dir),
            "error": None if outcome.error is None else _first_line(outcome.error)}
    study.set_user_attr(f"late_result_{trial.number}", late)
    log.warning("trial %d was failed by another worker while it ran, and its retry already "
                "runs: its result is kept on the study as late_result_%d", trial.number,
                trial.number)
    return None

"""Operations on the Optuna study that the phase sweeps share: forced trials, stale trials,
counting towards ``n_trials``, failure share and the recorded early stop.

User attributes written here (on trials): ``forced`` (bool), ``forced_id``, ``retry_of``,
``stale``, ``fail_reason``, and the trial's measured results (see :func:`record_result`).
On the study: ``early_stop`` (set once, when the rule first fires).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from budget_hpo.convergence import Convergence, EarlyStop, check_convergence
from budget_hpo.forced import ForcedTrial

__all__ = [
    "RESULT_ATTRS",
    "counted_trials",
    "enqueue_forced",
    "fail_stale_trials",
    "failure_share",
    "record_result",
    "update_early_stop",
]

log = logging.getLogger(__name__)

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
RESULT_ATTRS = (
    "budget", "style", "model", "d_model", "n_layers", "n_heads", "params_exact", "params_formula",
    "val_auc", "test_auc", "naive_val_auc", "linear_val_auc", "naive_test_auc", "linear_test_auc",
    "val_mae", "test_mae", "train_steps", "wall_time_s", "train_time_s",
)


def _trials(study: optuna.Study, states: Sequence[TrialState] | None = None) -> list[FrozenTrial]:
    return study.get_trials(deepcopy=False, states=states)


def counted_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Finished trials that count towards ``n_trials`` (a stale trial is replaced by its retry)."""
    return [t for t in _trials(study, FINISHED) if not t.user_attrs.get("stale")]


def failure_share(study: optuna.Study) -> tuple[int, int]:
    """(failed, finished) among the counted trials."""
    counted = counted_trials(study)
    return sum(t.state == TrialState.FAIL for t in counted), len(counted)


def fail_stale_trials(study: optuna.Study, running_elsewhere: Iterable[int] = ()) -> list[int]:
    """Mark trials left RUNNING by a killed sweep as FAIL and enqueue their configs once more.

    A trial that is itself a retry is failed but not retried again. ``running_elsewhere`` lists
    trial numbers known to be alive (other workers), which are left alone.
    """
    alive = set(running_elsewhere)
    retried: list[int] = []
    for trial in _trials(study, (TrialState.RUNNING,)):
        if trial.number in alive:
            continue
        live = optuna.Trial(study, trial._trial_id)
        live.set_user_attr("stale", True)
        live.set_user_attr("fail_reason", "stale: left RUNNING by a sweep that was killed")
        study.tell(trial.number, state=TrialState.FAIL)
        if trial.user_attrs.get("retry_of") is not None:
            log.warning("trial %d was stale and already a retry: not retried again", trial.number)
            continue
        attrs = {k: v for k, v in trial.user_attrs.items() if k in ("forced", "forced_id")}
        study.enqueue_trial(dict(trial.params), user_attrs={**attrs, "retry_of": trial.number})
        retried.append(trial.number)
        log.warning("trial %d was left RUNNING: marked FAIL and its config re-enqueued", trial.number)
    return retried


def enqueue_forced(
    study: optuna.Study, forced: Sequence[ForcedTrial], params: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """Enqueue the forced configs not yet in the study, in order; returns the ids enqueued.

    Args:
        params: forced id -> the trial's parameters in the search space's names.
    """
    present = {t.user_attrs.get("forced_id") for t in _trials(study)}
    added = []
    for trial in forced:
        if trial.id in present:
            continue
        study.enqueue_trial(
            dict(params[trial.id]), user_attrs={"forced": True, "forced_id": trial.id}
        )
        added.append(trial.id)
    return added


def record_result(trial: optuna.Trial, output_dir: Path) -> dict[str, Any]:
    """Copy the job's ``result.json`` into the trial's user attributes (if the job wrote one)."""
    path = output_dir / "result.json"
    if not path.is_file():
        return {}
    result = json.loads(path.read_text())
    attrs = {k: result[k] for k in RESULT_ATTRS if k in result}
    for key, value in attrs.items():
        trial.set_user_attr(key, value)
    return attrs


def update_early_stop(
    study: optuna.Study,
    rule: EarlyStop,
    direction: str,
    pending: Mapping[int, float] | None = None,
) -> Convergence:
    """Apply the rule to the study's COMPLETE trials (plus ``pending`` values not yet told).

    The first time it fires, the stop is recorded on the study as ``early_stop`` (trial count,
    spread, top values) and logged. Returns the verdict.
    """
    values = {t.number: float(t.value) for t in _trials(study, (TrialState.COMPLETE,))}  # type: ignore[arg-type]
    values.update(pending or {})
    verdict = check_convergence(values.values(), direction, rule)
    if rule.enabled and verdict.converged and "early_stop" not in study.user_attrs:
        record = {
            "n_complete": verdict.n_complete,
            "n_trials": len(_trials(study)),
            "spread": verdict.spread,
            "top_values": list(verdict.top_values),
            "patience": rule.patience,
            "threshold": rule.threshold,
            "top_k": rule.top_k,
        }
        study.set_user_attr("early_stop", record)
        log.info(
            "early stop: the top %d of %d complete trials lie within %.4f (threshold %.4f); "
            "no further trials are launched",
            rule.top_k, verdict.n_complete, verdict.spread, rule.threshold,
        )
    return verdict

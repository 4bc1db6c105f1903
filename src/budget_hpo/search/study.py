"""Operations on the Optuna study that the phase sweeps share: forced trials, stale trials,
counting towards ``n_trials``, failure share and the recorded early stop.

User attributes written here (on trials): ``forced`` (bool), ``forced_id``, ``retry_of``,
``fail_reason``, and the trial's measured results (see :func:`record_result`). Trials failed for a
stale heartbeat are listed in their retry's ``retry_history`` system attribute (Optuna's).
On the study: ``early_stop`` (set once, when the rule first fires).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from budget_hpo.search.early_stop import Convergence, EarlyStop, check_convergence
from budget_hpo.search.forced import ForcedTrial

__all__ = [
    "RESULT_ATTRS",
    "Heartbeat",
    "counted_trials",
    "enqueue_forced",
    "fail_stale",
    "failure_share",
    "open_storage",
    "running_trials",
    "stale_numbers",
    "study_lock",
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


def stale_numbers(study: optuna.Study) -> set[int]:
    """Trials failed for a stale heartbeat and retried (Optuna's ``retry_history``)."""
    stale: set[int] = set()
    for trial in _trials(study):
        stale.update(trial.system_attrs.get("retry_history", ()))
    return stale


def counted_trials(study: optuna.Study) -> list[FrozenTrial]:
    """Finished trials that count towards ``n_trials`` (a stale trial is replaced by its retry)."""
    stale = stale_numbers(study)
    return [t for t in _trials(study, FINISHED) if t.number not in stale]


def running_trials(study: optuna.Study) -> list[FrozenTrial]:
    return _trials(study, (TrialState.RUNNING,))


def failure_share(study: optuna.Study) -> tuple[int, int]:
    """(failed, finished) among the counted trials."""
    counted = counted_trials(study)
    return sum(t.state == TrialState.FAIL for t in counted), len(counted)


def open_storage(url: str | None, heartbeat_interval: int, grace_period: int) -> Any:
    """An RDB storage with heartbeats, so that workers can tell a dead worker's trial from a live one.

    A trial whose heartbeat is older than ``grace_period`` seconds is failed by
    :func:`fail_stale` and its config re-enqueued once (Optuna's RetryHeartbeatStaleTrialCallback).
    Other storages (``None``: in memory) are returned as they are.
    """
    if url is None or not str(url).startswith(("sqlite", "postgresql", "mysql")):
        return url
    url = str(url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url[len("sqlite:///"):]).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    return optuna.storages.RDBStorage(
        url,
        engine_kwargs=engine_kwargs,
        heartbeat_interval=heartbeat_interval,
        grace_period=grace_period,
        heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1),
    )


def fail_stale(study: optuna.Study) -> list[int]:
    """Fail RUNNING trials whose heartbeat stopped (a killed worker) and enqueue their retries."""
    before = {t.number for t in running_trials(study)}
    optuna.storages.fail_stale_trials(study)
    failed = sorted(before - {t.number for t in running_trials(study)} - {
        t.number for t in _trials(study, (TrialState.COMPLETE, TrialState.PRUNED))})
    for number in failed:
        log.warning("trial %d stopped sending heartbeats (its worker died): marked FAIL and its "
                    "config re-enqueued once", number)
    return failed


@contextmanager
def study_lock(url: str | None, study_name: str) -> Iterator[None]:
    """Serialise the few storage operations that must not interleave between workers.

    Enqueueing the forced configs and deciding whether another trial fits into ``n_trials`` are
    check-then-act steps; two workers doing them at once would duplicate a forced config or
    overshoot the total. SQLite: an exclusive ``flock`` on ``<db>.lock`` (one machine);
    PostgreSQL: a session advisory lock keyed by the study name; otherwise a process-local lock.
    """
    url = str(url or "")
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url[len("sqlite:///"):]).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif url.startswith("postgresql"):
        import sqlalchemy

        key = int.from_bytes(hashlib.sha256(study_name.encode()).digest()[:8], "big", signed=True)
        engine = _engines.setdefault(url, sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool))
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    else:
        with _local_lock:
            yield


_engines: dict[str, Any] = {}
_local_lock = threading.Lock()


class Heartbeat:
    """Record heartbeats for the trials this worker runs, from a background thread."""

    def __init__(self, study: optuna.Study, trial_ids: Sequence[int]) -> None:
        storage = study._storage
        interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self._storage = storage if interval else None
        self._ids = list(trial_ids)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        if self._storage is not None:
            for trial_id in self._ids:
                try:
                    self._storage.record_heartbeat(trial_id)
                except Exception as err:  # a finished trial, a storage hiccup: try again later
                    log.debug("heartbeat for trial id %d failed: %s", trial_id, err)

    def _run(self) -> None:
        interval = float(self._storage.get_heartbeat_interval() or 1) if self._storage else 1.0
        while not self._stop.wait(interval):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        if self._storage is not None:
            self._thread = threading.Thread(target=self._run, name="budget-hpo-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


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

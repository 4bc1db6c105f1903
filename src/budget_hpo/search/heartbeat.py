"""Liveness of running trials: heartbeats, failing a dead worker's trial, and retrying its config.

Optuna's heartbeats cover ``Study.optimize``; the phase sweeper runs trials by ask and tell, so it
records heartbeats itself (:class:`Heartbeat`), fails stale trials itself and enqueues their
retries itself (:func:`fail_stale`); where the beats are kept is the storage kind's business, and
both take its :class:`~budget_hpo.search.liveness.Liveness`. Each step is idempotent and runs
under the study lock, so a worker killed between any two of them leaves a state the next pass
completes:

1. a RUNNING trial with no heartbeat at all (its worker died between ``ask`` and the first beat)
   is given one now, so it goes stale after ``grace_period`` like any other;
2. a RUNNING trial whose heartbeat is older than ``grace_period`` is marked ``stale`` and FAIL;
3. every stale FAIL trial without a retry gets one (its parameters and forced id, ``retry_of``
   naming it), up to ``search.max_retries`` in a chain.

Stale trials do not count towards ``n_trials`` (see :func:`budget_hpo.search.study.counted_trials`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from budget_hpo.records import TrialRecord
from budget_hpo.search.faults import kill_point
from budget_hpo.search.liveness import Liveness

__all__ = ["Heartbeat", "config_of", "enqueue_retries", "fail_stale", "retry_depth"]

log = logging.getLogger(__name__)


def fail_stale(study: optuna.Study, liveness: Liveness | None, max_retries: int) -> list[int]:
    """Fail the trials of dead workers and enqueue their retries (call under the study lock).

    Args:
        study: the study.
        liveness: its trials' heartbeats, as its storage kind keeps them
            (:meth:`~budget_hpo.search.storage_kinds.StorageKind.liveness`); None: no heartbeats.
        max_retries: how many times one config is retried after its worker died.

    Returns:
        The numbers of the trials failed by this call.
    """
    if liveness is None:
        return []
    storage: Any = study._storage
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    for trial_id in liveness.unbeaten([t._trial_id for t in running]):
        liveness.record(trial_id)  # an orphan of a kill right after ask: adopt it
    by_id = {t._trial_id: t for t in running}
    failed = []
    for trial_id in liveness.stale(study._study_id):
        try:
            for key, value in TrialRecord(stale=True).to_attrs().items():
                storage.set_trial_user_attr(trial_id, key, value)
            if storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
                failed.append(by_id[trial_id].number if trial_id in by_id else trial_id)
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # its owner finished it, or another worker failed it first
    for number in failed:
        log.warning("trial %d stopped sending heartbeats (its worker died or stalled): marked "
                    "FAIL; it does not count towards n_trials", number)
    kill_point("after_fail_stale")
    enqueue_retries(study, max_retries)
    return failed


def config_of(trial: FrozenTrial) -> dict[str, Any]:
    """The parameters a trial runs: those it was enqueued with (a forced config killed before
    its parameters were drawn has only these) and those drawn since."""
    return {**trial.system_attrs.get("fixed_params", {}), **trial.params}


def retry_depth(trial: FrozenTrial, by_number: dict[int, FrozenTrial]) -> int:
    """How many retries stand behind ``trial`` (0 for an original)."""
    depth, record = 0, TrialRecord.from_attrs(trial.user_attrs)
    while record.retry_of is not None and record.retry_of in by_number:
        depth += 1
        record = TrialRecord.from_attrs(by_number[record.retry_of].user_attrs)
    return depth


def enqueue_retries(study: optuna.Study, max_retries: int) -> list[int]:
    """Enqueue a retry for every stale trial that has none yet (idempotent; under the lock)."""
    trials = study.get_trials(deepcopy=False)
    by_number = {t.number: t for t in trials}
    retried = {TrialRecord.from_attrs(t.user_attrs).retry_of for t in trials}
    enqueued = []
    for trial in trials:
        record = TrialRecord.from_attrs(trial.user_attrs)
        if trial.state != TrialState.FAIL or not record.stale or trial.number in retried:
            continue
        if retry_depth(trial, by_number) >= max_retries:
            log.warning("trial %d: its config's worker died %d times; not retried again "
                        "(search.max_retries=%d)", trial.number, max_retries + 1, max_retries)
            continue
        retry = TrialRecord(  # what made it what it is: forced, or a seed replicate
            forced=record.forced, forced_id=record.forced_id, retry_of=trial.number,
            replicate_of=record.replicate_of,
            seed=record.seed if record.replicate_of is not None else None)
        study.enqueue_trial(config_of(trial), user_attrs=retry.to_attrs())
        enqueued.append(trial.number)
        log.info("trial %d's config re-enqueued (retry %d of at most %d)", trial.number,
                 retry_depth(trial, by_number) + 1, max_retries)
    return enqueued


class Heartbeat:
    """Record heartbeats for the trials this worker runs, from a background thread."""

    def __init__(self, liveness: Liveness | None, trial_ids: Sequence[int]) -> None:
        self._liveness = liveness
        self._interval = liveness.interval if liveness is not None else 1.0
        self._ids = list(trial_ids)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing = False

    def beat(self) -> None:
        if self._liveness is None:
            return
        for trial_id in self._ids:
            try:
                self._liveness.record(trial_id)
                self._failing = False
            except Exception as err:  # a storage hiccup: say so once, and try again
                if not self._failing:
                    log.warning("heartbeat for trial id %d failed (%s); retrying every %.0f s: "
                                "if this lasts past search.grace_period, another worker will "
                                "retry the trial", trial_id, str(err).splitlines()[0],
                                self._interval)
                self._failing = True

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        if self._liveness is not None:
            self._thread = threading.Thread(target=self._run, name="budget-hpo-heartbeat",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

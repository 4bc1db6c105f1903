"""Liveness of running trials: heartbeats from a background thread, and failing a dead worker's.

Optuna's heartbeats cover ``Study.optimize``; the phase sweeper runs trials by ask and tell, so it
records heartbeats itself (:class:`Heartbeat`) and fails stale trials itself (:func:`fail_stale`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.trial import TrialState

__all__ = ["Heartbeat", "fail_stale"]

log = logging.getLogger(__name__)


def fail_stale(study: optuna.Study) -> list[int]:
    """Fail RUNNING trials whose heartbeat stopped (a killed worker) and enqueue their retries."""
    running = {t.number for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    optuna.storages.fail_stale_trials(study)
    failed = sorted(t.number for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
                    if t.number in running)
    for number in failed:
        log.warning("trial %d stopped sending heartbeats (its worker died): marked FAIL and its "
                    "config re-enqueued once", number)
    return failed


class Heartbeat:
    """Record heartbeats for the trials this worker runs, from a background thread."""

    def __init__(self, study: optuna.Study, trial_ids: Sequence[int]) -> None:
        storage: Any = study._storage  # an RDB storage has the heartbeat API; others have none
        self._interval = getattr(storage, "get_heartbeat_interval", lambda: None)()
        self._storage = storage if self._interval else None
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
        while not self._stop.wait(float(self._interval or 1)):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        if self._storage is not None:
            self._thread = threading.Thread(target=self._run, name="budget-hpo-heartbeat",
                                            daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

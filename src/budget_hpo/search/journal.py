"""A study in one journal file on a shared filesystem, for clusters without a database server.

Optuna's :class:`~optuna.storages.JournalStorage` appends every operation to one file; with
:class:`~optuna.storages.journal.JournalFileOpenLock` (a lock file created with ``O_EXCL``, which
NFS honours) several machines may share it. SQLite must not live on NFS (its own FAQ); this may.

The journal storage has no heartbeats, so :class:`BeatingJournalStorage` supplies them: a running
trial's worker writes the time (``time.time()``) into the trial's system attribute
:data:`HEARTBEAT_KEY` every ``search.heartbeat_interval`` seconds, and a RUNNING trial whose last
beat is older than ``search.grace_period`` is stale. It implements Optuna's heartbeat interface,
so :mod:`budget_hpo.search.heartbeat` fails and retries a dead worker's trial exactly as on an
RDB storage (through the journal kind's liveness, :mod:`.storage_kinds`). Staleness compares
clocks of different machines: keep them in sync (NTP) and the grace period well above their skew.

URLs (read by :class:`budget_hpo.search.storage_kinds.Journal`):
``journal:///multirun/budget_hpo.journal`` (a relative path, as with ``sqlite:///``) or
``journal:////shared/project/budget_hpo.journal`` (absolute).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from optuna.storages import JournalStorage
from optuna.storages._heartbeat import BaseHeartbeat
from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock
from optuna.trial import FrozenTrial, TrialState

__all__ = ["HEARTBEAT_KEY", "BeatingJournalStorage", "journal_lock", "open_journal"]

HEARTBEAT_KEY = "budget_hpo:heartbeat"  # a trial's last beat (seconds since the epoch)


class BeatingJournalStorage(JournalStorage, BaseHeartbeat):
    """A journal-file storage with heartbeats kept in the trials' system attributes."""

    def __init__(self, path: Path, heartbeat_interval: int | None, grace_period: int | None
                 ) -> None:
        lock = JournalFileOpenLock(str(path))
        super().__init__(JournalFileBackend(str(path), lock_obj=lock))
        self.heartbeat_interval = heartbeat_interval
        self.grace_period = grace_period

    def record_heartbeat(self, trial_id: int) -> None:
        self.set_trial_system_attr(trial_id, HEARTBEAT_KEY, time.time())

    def _running(self, study_id: int) -> list[FrozenTrial]:
        return self.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,))

    def _get_stale_trial_ids(self, study_id: int) -> list[int]:
        assert self.heartbeat_interval is not None
        grace = self.grace_period or 2 * self.heartbeat_interval
        now = time.time()
        return [t._trial_id for t in self._running(study_id)
                if HEARTBEAT_KEY in t.system_attrs and now - t.system_attrs[HEARTBEAT_KEY] > grace]

    def trials_without_heartbeat(self, trial_ids: Sequence[int]) -> list[int]:
        """The trials among ``trial_ids`` that never beat (a worker killed right after ask)."""
        return [i for i in trial_ids
                if HEARTBEAT_KEY not in self.get_trial(i).system_attrs]

    def get_heartbeat_interval(self) -> int | None:
        return self.heartbeat_interval

    def get_failed_trial_callback(self) -> Callable[..., None] | None:
        return None  # retries are the sweeper's (budget_hpo.search.heartbeat)

    def get_heartbeat_stale_trial_callback(self) -> Callable[..., None] | None:
        return None


def open_journal(path: Path, heartbeat_interval: int | None = None,
                 grace_period: int | None = None) -> Any:
    """The journal storage in ``path`` (created with its folder if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return BeatingJournalStorage(path, heartbeat_interval, grace_period)


@contextmanager
def journal_lock(path: Path, study_name: str) -> Iterator[None]:
    """The study lock on a shared filesystem: a lock file beside the journal, created with
    ``O_EXCL`` (one per study). A lock left by a killed worker is broken after 60 s."""
    key = hashlib.sha256(study_name.encode()).hexdigest()[:12]
    lock = JournalFileOpenLock(f"{path}.study-{key}", grace_period=60)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()

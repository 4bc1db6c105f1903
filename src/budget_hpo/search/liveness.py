"""Liveness of a study's running trials, as each kind of storage keeps it: Optuna's heartbeats in
an RDB storage's table, or the project's own beats in a journal file's system attributes
(:mod:`.journal`). A storage kind hands out its liveness (:mod:`.storage_kinds`); the heartbeat
thread and the stale-trial sweep use it (:mod:`.heartbeat`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

__all__ = ["JournalLiveness", "Liveness", "RDBLiveness"]


class Liveness(ABC):
    """Heartbeats of a study's running trials, as its storage keeps them (Optuna's heartbeat API:
    ``record_heartbeat``, ``_get_stale_trial_ids``, ``get_heartbeat_interval``)."""

    def __init__(self, storage: Any) -> None:
        self.storage = storage

    @property
    def interval(self) -> float:
        """Seconds between two heartbeats of a running trial."""
        return float(self.storage.get_heartbeat_interval())

    def record(self, trial_id: int) -> None:
        """Record a heartbeat for ``trial_id`` now."""
        self.storage.record_heartbeat(trial_id)

    def stale(self, study_id: int) -> list[int]:
        """The RUNNING trials whose last heartbeat is older than the grace period."""
        return list(self.storage._get_stale_trial_ids(study_id))

    @abstractmethod
    def unbeaten(self, trial_ids: Sequence[int]) -> list[int]:
        """The trials among ``trial_ids`` that never beat (Optuna skips those forever)."""


class RDBLiveness(Liveness):
    """Optuna's heartbeats in an RDB storage's ``trial_heartbeats`` table."""

    def unbeaten(self, trial_ids: Sequence[int]) -> list[int]:
        if not trial_ids:
            return []
        from optuna.storages._rdb import models  # no public API lists trials without a beat

        rdb = getattr(self.storage, "_backend", self.storage)  # Optuna wraps it in a cache
        session = rdb.scoped_session()
        try:
            rows = session.query(models.TrialHeartbeatModel.trial_id).filter(
                models.TrialHeartbeatModel.trial_id.in_(list(trial_ids))).all()
        finally:
            rdb.scoped_session.remove()
        have = {trial_id for (trial_id,) in rows}
        return [t for t in trial_ids if t not in have]


class JournalLiveness(Liveness):
    """The journal file's heartbeats, kept in the trials' system attributes (:mod:`.journal`)."""

    def unbeaten(self, trial_ids: Sequence[int]) -> list[int]:
        return list(self.storage.trials_without_heartbeat(trial_ids)) if trial_ids else []

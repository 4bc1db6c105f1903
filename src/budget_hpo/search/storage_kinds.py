"""One class per kind of storage, chosen once from the URL (as Optuna's ``get_storage`` does).

:func:`storage_kind` reads a URL at the one door and returns its kind; everything that differs
between kinds lives in the kind's class, and no caller asks which kind it holds:

=================  ===================  ============================  =========================
kind               URL                  cross-process study lock      liveness of a trial
=================  ===================  ============================  =========================
:class:`SQLite`    ``sqlite:///F``      ``flock`` on ``F.lock``       Optuna's RDB heartbeats
:class:`Postgres`  ``postgresql://``    a session advisory lock       Optuna's RDB heartbeats
:class:`Journal`   ``journal:///F``     an ``O_EXCL`` lock file       the project's own beats
=================  ===================  ============================  =========================

Each kind also knows how it opens (SQLite's lock timeout, heartbeat settings), how its URL is
shown (a password hidden), the command that browses it, and what it refuses. Other URLs (mysql,
a malformed one) are refused at the door.

Adding a kind means adding a class::

    @register
    class Redis(StorageKind):
        schemes = ("redis",)
        example = "redis://"
        def check(self, key): ...           # refuse what this kind cannot use
        def open(self, heartbeat_interval, grace_period): ...
        def lock(self, study_name): ...
        def liveness(self, study): ...

and it is found by its scheme from then on (``tests/search/test_storage_kinds.py`` does this).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import optuna

from budget_hpo.errors import ConfigError
from budget_hpo.search.journal import journal_lock, open_journal
from budget_hpo.search.liveness import JournalLiveness, Liveness, RDBLiveness
from budget_hpo.search.storage_registry import (
    StorageKind,
    carries_password,
    display_url,
    register,
    storage_kind,
    storage_kinds,
)
from budget_hpo.search.storage_urls import hidden_url, sqlalchemy_password, sqlalchemy_url

__all__ = [
    "BatchedRDBStorage", "Journal", "Postgres", "RDBKind", "SQLite", "StorageKind",
    "carries_password", "display_url", "register", "storage_kind", "storage_kinds",
]


class BatchedRDBStorage(optuna.storages.RDBStorage):
    """Optuna's RDB storage, which also writes many user attributes of one trial in one
    transaction: a trial's record is about 80 attributes, and one commit each (SQLite syncs the
    file at every commit, a few ms) cost a quarter of a second per trial. On SQLite and
    PostgreSQL the attributes go in one multi-row upsert after one check of the trial's state
    (Optuna's own path reads the trial again for every attribute)."""

    ROWS_PER_STATEMENT: ClassVar[int] = 250  # 3 parameters a row: under SQLite's old limit of 999

    def set_trial_user_attrs(self, trial_id: int, attrs: Mapping[str, Any]) -> None:
        """``set_trial_user_attr`` for each item, committed once (all or none).

        Raises:
            UpdateFinishedTrialError: the trial has finished (nothing is written).
        """
        from optuna.storages._rdb import models
        from optuna.storages._rdb.storage import _create_scoped_session

        model = models.TrialUserAttributeModel
        insert = _upsert_of(self.engine.name)
        with _create_scoped_session(self.scoped_session, True) as session:
            if insert is None:  # another engine: Optuna's own statement, one per attribute
                for key, value in attrs.items():
                    self._set_trial_attr_without_commit(session, model, trial_id, key, value)
                return
            trial = models.TrialModel.find_or_raise_by_id(trial_id, session)
            self.check_trial_is_updatable(trial_id, trial.state)
            rows = [{"trial_id": trial_id, "key": key, "value_json": json.dumps(value)}
                    for key, value in attrs.items()]
            for start in range(0, len(rows), self.ROWS_PER_STATEMENT):
                statement = insert(model).values(rows[start:start + self.ROWS_PER_STATEMENT])
                session.execute(statement.on_conflict_do_update(
                    index_elements=[model.trial_id, model.key],
                    set_={"value_json": statement.excluded.value_json}))


def _upsert_of(engine: str) -> Any:
    """The dialect's ``insert`` with ``ON CONFLICT DO UPDATE`` for ``engine``, or None."""
    import sqlite3

    if engine == "sqlite" and sqlite3.sqlite_version_info >= (3, 24, 0):
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert
    if engine == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    return None


@dataclass(frozen=True)
class RDBKind(StorageKind):
    """A SQLAlchemy URL, opened as Optuna's ``RDBStorage`` with its heartbeats."""

    def check(self, key: str) -> None:
        sqlalchemy_url(self.url, key)

    @property
    def carries_password(self) -> bool:
        return sqlalchemy_password(self.url)

    def display(self) -> str:
        return hidden_url(self.url)

    def engine_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the SQLAlchemy engine."""
        return {}

    def open(self, heartbeat_interval: int | None, grace_period: int | None) -> Any:
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
        return BatchedRDBStorage(self.url, engine_kwargs=self.engine_kwargs(),
                                 heartbeat_interval=heartbeat_interval, grace_period=grace_period)

    def liveness(self, study: optuna.Study) -> Liveness | None:
        storage: Any = study._storage
        return RDBLiveness(storage) if storage.get_heartbeat_interval() else None


_local_lock = threading.Lock()
CREATE_ATTEMPTS = 3  # opening a new SQLite file that other processes are creating at once


@register
@dataclass(frozen=True)
class SQLite(RDBKind):
    """One machine: a SQLite file (never on NFS, SQLite's own FAQ), or in memory."""

    schemes = ("sqlite",)
    example = "sqlite:///"
    timeout_s: ClassVar[int] = 60  # seconds a SQLite writer waits for another's lock

    @property
    def file(self) -> Path | None:
        """The database file, resolved: every spelling of the same file gives the same path."""
        from sqlalchemy.engine import make_url

        database = make_url(self.url).database
        if not database or database == ":memory:":
            return None
        return Path(database).expanduser().resolve()

    def engine_kwargs(self) -> dict[str, Any]:
        return {"connect_args": {"timeout": self.timeout_s}} if self.file is not None else {}

    def open(self, heartbeat_interval: int | None, grace_period: int | None) -> Any:
        """As :meth:`RDBKind.open`; a new file's tables created by another process at the same
        moment (Optuna creates them table by table, and the loser's ``CREATE TABLE`` fails with
        "already exists") are simply opened again."""
        import sqlalchemy.exc

        for attempt in range(CREATE_ATTEMPTS):
            try:
                return super().open(heartbeat_interval, grace_period)
            except sqlalchemy.exc.OperationalError as err:
                if "already exists" not in str(err) or attempt == CREATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def lock(self, study_name: str) -> Iterator[None]:
        """An exclusive ``flock`` on ``<db>.lock`` (one machine; keyed on the resolved file, so
        every spelling of the URL takes the same lock); in memory, a process-local lock."""
        path = self.file
        if path is None:
            with _local_lock:
                yield
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{path}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


_engines: dict[str, Any] = {}


@register
@dataclass(frozen=True)
class Postgres(RDBKind):
    """A PostgreSQL server: many workers or machines. The password comes from the environment
    (``$BUDGET_HPO_STORAGE``, ``PGPASSWORD`` or ``~/.pgpass``), never from a config."""

    schemes = ("postgresql",)
    example = "postgresql://"

    def check(self, key: str) -> None:
        if not sqlalchemy_url(self.url, key).database:
            raise ConfigError(key, self.display(), "a postgresql:// URL that names a database")

    @contextmanager
    def lock(self, study_name: str) -> Iterator[None]:
        """A session advisory lock keyed by the study name."""
        import sqlalchemy

        key = int.from_bytes(hashlib.sha256(study_name.encode()).digest()[:8], "big", signed=True)
        if self.url not in _engines:
            _engines[self.url] = sqlalchemy.create_engine(self.url,
                                                          poolclass=sqlalchemy.pool.NullPool)
        with _engines[self.url].connect() as conn:
            conn.execute(sqlalchemy.text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                yield
            finally:
                conn.execute(sqlalchemy.text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@register
@dataclass(frozen=True)
class Journal(StorageKind):
    """A journal file on a shared filesystem, for clusters without a database server
    (:mod:`.journal`): ``journal:///multirun/x.journal`` (relative) or ``journal:////abs/x``."""

    schemes = ("journal",)
    example = "journal:///"
    prefix: ClassVar[str] = "journal:///"

    def check(self, key: str) -> None:
        if not self.url.startswith(self.prefix) or self.url == self.prefix:
            raise ConfigError(key, self.url, "a journal file URL such as journal:///multirun/"
                              "budget_hpo.journal (relative) or journal:////shared/x.journal")

    @property
    def file(self) -> Path:
        return Path(self.url.removeprefix(self.prefix)).expanduser().resolve()

    def dashboard_command(self) -> str:
        return f"optuna-dashboard {self.file}"

    def open(self, heartbeat_interval: int | None, grace_period: int | None) -> Any:
        return open_journal(self.file, heartbeat_interval, grace_period)

    @contextmanager
    def lock(self, study_name: str) -> Iterator[None]:
        """An ``O_EXCL`` lock file beside the journal (NFS honours it), one per study."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        with journal_lock(self.file, study_name):
            yield

    def liveness(self, study: optuna.Study) -> Liveness | None:
        storage: Any = study._storage
        return JournalLiveness(storage) if storage.get_heartbeat_interval() else None

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
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import optuna

from budget_hpo.errors import ConfigError
from budget_hpo.passwords import hide
from budget_hpo.search.journal import journal_lock, open_journal
from budget_hpo.search.liveness import JournalLiveness, Liveness, RDBLiveness

__all__ = [
    "Journal", "Postgres", "RDBKind", "SQLite", "StorageKind", "carries_password", "display_url",
    "register", "storage_kind", "storage_kinds",
]


@dataclass(frozen=True)
class StorageKind(ABC):
    """A storage URL of one kind; build it with :func:`storage_kind`, which checks it."""

    url: str
    schemes: ClassVar[tuple[str, ...]]  # the URL schemes (before ``+driver``) of this kind
    example: ClassVar[str]  # how its URLs begin, for the refusal of other schemes

    @abstractmethod
    def check(self, key: str) -> None:
        """Raise :class:`ConfigError` (naming ``key``) for a URL of this kind that is unusable."""

    @property
    def file(self) -> Path | None:
        """The file that holds the studies (resolved), None for a server or an in-memory one."""
        return None

    @property
    def carries_password(self) -> bool:
        """Whether the URL holds a password (a committed config then names the environment)."""
        return False

    def display(self) -> str:
        """The URL as it may be shown or written: the password hidden."""
        return self.url

    def dashboard_command(self) -> str:
        """How to browse the storage."""
        return f"optuna-dashboard {self.display()}"

    def check_exists(self) -> None:
        """For a reader, who must never create a database: a missing file is a
        :class:`ConfigError`."""
        if self.file is not None and not self.file.is_file():
            raise ConfigError("storage", self.display(),
                              f"an existing database ({self.file} not found)")

    @abstractmethod
    def open(self, heartbeat_interval: int | None, grace_period: int | None) -> Any:
        """The Optuna storage, with heartbeats every ``heartbeat_interval`` seconds (None: none);
        created if missing."""

    @abstractmethod
    def lock(self, study_name: str) -> AbstractContextManager[None]:
        """The cross-process lock that serialises check-then-act steps on ``study_name``."""

    @abstractmethod
    def liveness(self, study: optuna.Study) -> Liveness | None:
        """The heartbeats of ``study``'s trials (None when it was opened without any)."""


K = TypeVar("K", bound=type[StorageKind])
_KINDS: dict[str, type[StorageKind]] = {}


def register(kind: K) -> K:
    """Make ``kind`` the class of URLs with its schemes (a class decorator)."""
    for scheme in kind.schemes:
        _KINDS[scheme] = kind
    return kind


def storage_kinds() -> tuple[type[StorageKind], ...]:
    """The registered kinds, in registration order."""
    return tuple(dict.fromkeys(_KINDS.values()))


def _scheme(url: str) -> str:
    return url.partition(":")[0].split("+")[0]


def _sqlalchemy_url(text: str, key: str) -> Any:
    """The SQLAlchemy URL of ``text``; a malformed one is a :class:`ConfigError`."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(text)
        parsed.port  # noqa: B018 (a bad port raises only when read)
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(key, hide(text), "a storage URL such as sqlite:///multirun/"
                          f"budget_hpo.db or postgresql://USER@HOST/DB ({reason})") from None
    return parsed


def _hidden(text: str) -> str:
    """A URL with its password hidden: SQLAlchemy's rendering, else the text masked."""
    from sqlalchemy.engine import make_url

    try:
        return str(make_url(text).render_as_string(hide_password=True))
    except Exception:
        return hide(text)


def storage_kind(url: str, key: str = "hydra.sweeper.storage") -> StorageKind:
    """The kind of storage ``url`` names, checked: the one door every storage URL passes.

    Raises:
        ConfigError: naming ``key``: a malformed URL, a kind's refusal (a journal without a
            file, PostgreSQL without a database), or a scheme that no kind handles (mysql:
            no lock keeps its workers from enqueueing the forced configs twice).
    """
    text = str(url)
    kind = _KINDS.get(_scheme(text))
    if kind is None:
        _sqlalchemy_url(text, key)
        forms = [k.example for k in storage_kinds()]
        raise ConfigError(key, _hidden(text), f"a {', '.join(forms[:-1])} or {forms[-1]} URL "
                          "(mysql has no lock that keeps workers from enqueueing the forced "
                          "configs twice)")
    found = kind(text)
    found.check(key)
    return found


def _sqlalchemy_password(text: str) -> bool:
    """Whether a SQLAlchemy URL holds a password (an unreadable one is taken to hold one)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(text).password is not None
    except Exception:
        return True


def display_url(url: str) -> str:
    """``url`` as it may be shown or written, whatever it is (even refused): password hidden."""
    kind = _KINDS.get(_scheme(str(url)))
    return kind(str(url)).display() if kind is not None else _hidden(str(url))


def carries_password(url: str) -> bool:
    """Whether ``url`` holds a password, whatever it is (even refused)."""
    kind = _KINDS.get(_scheme(str(url)))
    return kind(str(url)).carries_password if kind else _sqlalchemy_password(str(url))


@dataclass(frozen=True)
class RDBKind(StorageKind):
    """A SQLAlchemy URL, opened as Optuna's ``RDBStorage`` with its heartbeats."""

    def check(self, key: str) -> None:
        _sqlalchemy_url(self.url, key)

    @property
    def carries_password(self) -> bool:
        return _sqlalchemy_password(self.url)

    def display(self) -> str:
        return _hidden(self.url)

    def engine_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of the SQLAlchemy engine."""
        return {}

    def open(self, heartbeat_interval: int | None, grace_period: int | None) -> Any:
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.RDBStorage(self.url, engine_kwargs=self.engine_kwargs(),
                                          heartbeat_interval=heartbeat_interval,
                                          grace_period=grace_period)

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
        if not _sqlalchemy_url(self.url, key).database:
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

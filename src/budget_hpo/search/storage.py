"""The one door to a study: every reader and writer opens its storage and study here.

Storages: SQLite (``sqlite:///``, one machine), PostgreSQL (``postgresql://``, a server) and a
journal file (``journal:///``, a shared filesystem without a server: :mod:`.journal`).

:func:`open_study` gives the same SQLite timeout, heartbeat settings and (for writers) the same
cross-process lock to the sweeper, the callbacks, the pruning reporter, the phase-2 writer and
the report. :func:`study_lock` serialises the few check-then-act steps between workers.
"""

from __future__ import annotations

import fcntl
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import optuna

from budget_hpo.errors import ConfigError
from budget_hpo.schema import SearchConfig
from budget_hpo.search.journal import PREFIX, journal_lock, journal_path, open_journal

__all__ = [
    "STORAGE_ENV", "config_reference", "dashboard_command", "display_url", "open_storage",
    "open_study", "parse_url", "sqlite_path", "study_lock",
]

SQLITE_TIMEOUT_S = 60  # seconds a SQLite writer waits for another's lock


SCHEMES = ("sqlite", "postgresql", "journal")  # storages with a cross-process study_lock


def parse_url(url: str, key: str = "hydra.sweeper.storage") -> Any:
    """The SQLAlchemy URL of a storage, checked: a known scheme and a parseable URL (for a
    ``journal:///`` file: its path).

    Raises:
        ConfigError: a malformed URL, or a scheme without a cross-process lock (mysql://).
    """
    from sqlalchemy.engine import make_url

    text = str(url)
    if text.startswith("journal:"):
        path = journal_path(text)
        if path is None or text == PREFIX:
            raise ConfigError(key, text, "a journal file URL such as journal:///multirun/"
                              "budget_hpo.journal (relative) or journal:////shared/x.journal")
        return path
    try:
        parsed = make_url(text)
        parsed.port  # noqa: B018 (a bad port raises only when read)
    except Exception as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError(key, _mask(text), "a storage URL such as sqlite:///multirun/"
                          f"budget_hpo.db or postgresql://USER@HOST/DB ({reason})") from None
    if parsed.get_backend_name() not in SCHEMES:
        raise ConfigError(key, display_url(text), "a sqlite:///, postgresql:// or journal:/// URL "
                          "(mysql has no lock that keeps workers from enqueueing the forced "
                          "configs twice)")
    if parsed.get_backend_name() == "postgresql" and not parsed.database:
        raise ConfigError(key, display_url(text), "a postgresql:// URL that names a database")
    return parsed


def _mask(text: str) -> str:
    """Hide a password in a string that is not a parseable URL (``user:pass@`` -> ``user:***@``)."""
    import re

    return re.sub(r"(://[^/:@\s]*:)[^@/\s]*@", r"\1***@", text)


def display_url(url: str) -> str:
    """The URL as it may be shown or written: the password hidden (SQLAlchemy's rendering)."""
    from sqlalchemy.engine import make_url

    if str(url).startswith("journal:"):
        return str(url)  # a file path: nothing to hide
    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:
        return _mask(str(url))


def dashboard_command(url: str) -> str:
    """How to browse the storage: ``optuna-dashboard <URL>`` (a journal: its file's path)."""
    journal = journal_path(url)
    return f"optuna-dashboard {journal if journal is not None else display_url(url)}"


STORAGE_ENV = "BUDGET_HPO_STORAGE"  # a storage URL kept out of files and command lines


def config_reference(url: str) -> str:
    """How a committed config names this storage: the URL itself, or, when the URL holds a
    password, ``${oc.env:BUDGET_HPO_STORAGE}`` (the password stays in the environment)."""
    from sqlalchemy.engine import make_url

    try:
        secret = make_url(str(url)).password is not None
    except Exception:
        secret = True
    return f"${{oc.env:{STORAGE_ENV}}}" if secret else str(url)


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL, resolved (None for other storages and for
    in-memory SQLite); every spelling of the same file gives the same path."""
    if not str(url).startswith("sqlite"):
        return None
    database = parse_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser().resolve()


_storages: dict[tuple[str, int | None, int | None], Any] = {}


def open_storage(url: str, search: SearchConfig | None = None, *, create: bool = True) -> Any:
    """The storage behind ``url``, with heartbeats when ``search`` is given (sweeps run trials).

    A trial whose heartbeat is older than ``search.grace_period`` seconds belongs to a dead
    worker: :func:`budget_hpo.search.heartbeat.fail_stale` fails it and re-enqueues its config
    (up to ``search.max_retries`` times). One storage per process and
    settings: opening an RDB storage checks its schema. With ``create=False`` (a reader) a
    missing SQLite file is a :class:`ConfigError` instead of a new empty database.
    """
    parse_url(url)
    path = sqlite_path(url) or journal_path(url)
    if not create and path is not None and not path.is_file():
        raise ConfigError("storage", display_url(url), f"an existing database ({path} not found)")
    beat = (search.heartbeat_interval, search.grace_period) if search is not None else (None, None)
    key = (url, *beat)
    if key not in _storages and journal_path(url) is not None:
        assert path is not None
        _storages[key] = open_journal(path, *beat)
    if key not in _storages:
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        _storages[key] = optuna.storages.RDBStorage(
            url,
            engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if path else {},
            heartbeat_interval=beat[0],
            grace_period=beat[1],
        )
    return _storages[key]


def open_study(
    url: str,
    name: str,
    *,
    search: SearchConfig | None = None,
    direction: str | None = None,
    sampler: Any = None,
    pruner: Any = None,
) -> optuna.Study:
    """Open study ``name`` in ``url``; with ``direction``, create it if it does not exist yet.

    Without ``direction`` (a reader: callbacks, phase 2, the report) nothing is created: a
    missing SQLite file or study is a :class:`ConfigError`.
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = open_storage(url, search, create=direction is not None)
    if direction is not None:
        return optuna.create_study(study_name=name, storage=storage, sampler=sampler,
                                   pruner=pruner, direction=cast(Any, direction),
                                   load_if_exists=True)
    try:
        return optuna.load_study(study_name=name, storage=storage, sampler=sampler, pruner=pruner)
    except KeyError:
        summaries = optuna.get_all_study_summaries(storage, include_best_trial=False)
        known = " | ".join(sorted(s.study_name for s in summaries))
        raise ConfigError("study", name, known or f"(no studies in {display_url(url)})") from None


@contextmanager
def study_lock(url: str, study_name: str) -> Iterator[None]:
    """Serialise the few storage operations that must not interleave between workers.

    Enqueueing the forced configs and deciding whether another trial fits into ``n_trials`` are
    check-then-act steps; two workers doing them at once would duplicate a forced config or
    overshoot the total. SQLite: an exclusive ``flock`` on ``<db>.lock`` (one machine; keyed on
    the resolved file, so every spelling of the URL takes the same lock); a journal file: an
    ``O_EXCL`` lock file beside it (NFS-safe, :mod:`.journal`); PostgreSQL: a session
    advisory lock keyed by the study name; in-memory SQLite: a process-local lock.
    """
    path = sqlite_path(url)
    journal = journal_path(url)
    if journal is not None:
        journal.parent.mkdir(parents=True, exist_ok=True)
        with journal_lock(journal, study_name):
            yield
    elif path is not None:
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
        engine = _engines.setdefault(
            url, sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
        )
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

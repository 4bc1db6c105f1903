"""The one door to a study: every reader and writer opens its storage and study here.

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

__all__ = ["open_storage", "open_study", "sqlite_path", "study_lock"]

SQLITE_TIMEOUT_S = 60  # seconds a SQLite writer waits for another's lock


def sqlite_path(url: str) -> Path | None:
    """The database file of a ``sqlite:///`` URL (None for other storages and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database).expanduser()


_storages: dict[tuple[str, int | None, int | None], Any] = {}


def open_storage(url: str, search: SearchConfig | None = None, *, create: bool = True) -> Any:
    """The storage behind ``url``, with heartbeats when ``search`` is given (sweeps run trials).

    A trial whose heartbeat is older than ``search.grace_period`` seconds belongs to a dead
    worker: :func:`budget_hpo.search.heartbeat.fail_stale` fails it and Optuna's
    RetryHeartbeatStaleTrialCallback re-enqueues its config once. One storage per process and
    settings: opening an RDB storage checks its schema. With ``create=False`` (a reader) a
    missing SQLite file is a :class:`ConfigError` instead of a new empty database.
    """
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        raise ConfigError("storage", url, f"an existing database ({path} not found)")
    beat = (search.heartbeat_interval, search.grace_period) if search is not None else (None, None)
    key = (url, *beat)
    if key not in _storages:
        if not url.startswith(("sqlite", "postgresql", "mysql")):
            raise ConfigError("hydra.sweeper.storage", url,
                              "a sqlite:///, postgresql:// or mysql:// URL")
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        _storages[key] = optuna.storages.RDBStorage(
            url,
            engine_kwargs={"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if path else {},
            heartbeat_interval=beat[0],
            grace_period=beat[1],
            heartbeat_stale_trial_callback=(
                optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1) if search else None
            ),
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
        raise ConfigError("study", name, known or f"(no studies in {url})") from None


@contextmanager
def study_lock(url: str, study_name: str) -> Iterator[None]:
    """Serialise the few storage operations that must not interleave between workers.

    Enqueueing the forced configs and deciding whether another trial fits into ``n_trials`` are
    check-then-act steps; two workers doing them at once would duplicate a forced config or
    overshoot the total. SQLite: an exclusive ``flock`` on ``<db>.lock`` (one machine);
    PostgreSQL: a session advisory lock keyed by the study name; otherwise a process-local lock.
    """
    path = sqlite_path(url)
    if path is not None:
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

"""The one door to a study: every reader and writer opens its storage and study here.

Storages: SQLite (``sqlite:///``, one machine), PostgreSQL (``postgresql://``, a server) and a
journal file (``journal:///``, a shared filesystem without a server). The URL is read once, by
:func:`~budget_hpo.search.storage_kinds.storage_kind`; what differs between kinds (lock,
liveness, timeouts, display, refusals) lives in the kinds' classes (:mod:`.storage_kinds`), and
the functions here only delegate to them.

:func:`open_study` gives the same SQLite timeout, heartbeat settings and (for writers) the same
cross-process lock to the sweeper, the callbacks, the pruning reporter, the phase-2 writer and
the report. :func:`study_lock` serialises the few check-then-act steps between workers.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, cast

import optuna

from budget_hpo.errors import ConfigError
from budget_hpo.schema import SearchConfig
from budget_hpo.search.storage_kinds import (
    carries_password,
    display_url,
    storage_kind,
)

__all__ = [
    "STORAGE_ENV", "config_reference", "dashboard_command", "display_url", "open_storage",
    "open_study", "storage_kind", "study_lock",
]

STORAGE_ENV = "BUDGET_HPO_STORAGE"  # a storage URL kept out of files and command lines


def dashboard_command(url: str) -> str:
    """How to browse the storage: ``optuna-dashboard <URL>`` (a journal: its file's path)."""
    try:
        return storage_kind(url).dashboard_command()
    except ConfigError:
        return f"optuna-dashboard {display_url(url)}"


def config_reference(url: str) -> str:
    """How a committed config names this storage: the URL itself, or, when the URL holds a
    password, ``${oc.env:BUDGET_HPO_STORAGE}`` (the password stays in the environment)."""
    return f"${{oc.env:{STORAGE_ENV}}}" if carries_password(url) else str(url)


_storages: dict[tuple[str, int | None, int | None], Any] = {}


def open_storage(url: str, search: SearchConfig | None = None, *, create: bool = True) -> Any:
    """The storage behind ``url``, with heartbeats when ``search`` is given (sweeps run trials).

    A trial whose heartbeat is older than ``search.grace_period`` seconds belongs to a dead
    worker: :func:`budget_hpo.search.heartbeat.fail_stale` fails it and re-enqueues its config
    (up to ``search.max_retries`` times). One storage per process and
    settings: opening an RDB storage checks its schema. A reader (no ``search``) shares the
    storage this process already opened for ``url``, heartbeats or not: it never runs a trial.
    With ``create=False`` (a reader) a missing SQLite or journal file is a :class:`ConfigError`
    instead of a new empty database.
    """
    kind = storage_kind(url)
    beat = (search.heartbeat_interval, search.grace_period) if search is not None else (None, None)
    key = (url, *beat)
    if not create:
        kind.check_exists()
    if search is None:
        key = next((k for k in _storages if k[0] == url), key)
    if key not in _storages:
        _storages[key] = kind.open(*beat)
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
        known = " | ".join(sorted(optuna.get_all_study_names(storage)))
        raise ConfigError("study", name, known or f"(no studies in {display_url(url)})") from None


def study_lock(url: str, study_name: str) -> AbstractContextManager[None]:
    """Serialise the few storage operations that must not interleave between workers.

    Enqueueing the forced configs and deciding whether another trial fits into ``n_trials`` are
    check-then-act steps; two workers doing them at once would duplicate a forced config or
    overshoot the total. Each kind has its own lock: a ``flock`` for SQLite, an ``O_EXCL`` lock
    file beside a journal, an advisory lock for PostgreSQL
    (:meth:`~budget_hpo.search.storage_kinds.StorageKind.lock`).
    """
    return storage_kind(url).lock(study_name)

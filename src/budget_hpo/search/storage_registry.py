"""The storage kinds' common shape and their registry: :class:`StorageKind` (what every kind
knows: its check, file, display, lock, liveness), :func:`register`, and :func:`storage_kind`, the
one door every storage URL passes. The kinds themselves are :mod:`budget_hpo.search.storage_kinds`,
which registers them (import that module, not this one)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import optuna

from budget_hpo.errors import ConfigError
from budget_hpo.search.liveness import Liveness
from budget_hpo.search.storage_urls import (
    hidden_url,
    sqlalchemy_password,
    sqlalchemy_url,
    url_scheme,
)

__all__ = ["StorageKind", "carries_password", "display_url", "register", "storage_kind",
           "storage_kinds"]


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


def storage_kind(url: str, key: str = "hydra.sweeper.storage") -> StorageKind:
    """The kind of storage ``url`` names, checked: the one door every storage URL passes.

    Raises:
        ConfigError: naming ``key``: a malformed URL, a kind's refusal (a journal without a
            file, PostgreSQL without a database), or a scheme that no kind handles (mysql:
            no lock keeps its workers from enqueueing the forced configs twice).
    """
    text = str(url)
    kind = _KINDS.get(url_scheme(text))
    if kind is None:
        sqlalchemy_url(text, key)
        forms = [k.example for k in storage_kinds()]
        raise ConfigError(key, hidden_url(text), f"a {', '.join(forms[:-1])} or {forms[-1]} URL "
                          "(mysql has no lock that keeps workers from enqueueing the forced "
                          "configs twice)")
    found = kind(text)
    found.check(key)
    return found


def display_url(url: str) -> str:
    """``url`` as it may be shown or written, whatever it is (even refused): password hidden."""
    kind = _KINDS.get(url_scheme(str(url)))
    return kind(str(url)).display() if kind is not None else hidden_url(str(url))


def carries_password(url: str) -> bool:
    """Whether ``url`` holds a password, whatever it is (even refused)."""
    kind = _KINDS.get(url_scheme(str(url)))
    return kind(str(url)).carries_password if kind else sqlalchemy_password(str(url))

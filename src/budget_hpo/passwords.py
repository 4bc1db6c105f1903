"""No password on disk: a URL that carries a literal password is refused before anything is written.

Hydra writes every config value, and every command-line override, into each job's ``.hydra/``
files itself, so a password typed into ``hydra.sweeper.storage`` (or any other URL, such as
``logger.tracking_uri``) would land on disk once per job; masking afterwards cannot help. The
checks here refuse such a value first, in one line naming the key, the URL with its password
hidden and the safe ways: the whole storage URL in ``$BUDGET_HPO_STORAGE`` (read at run time
through ``${oc.env:BUDGET_HPO_STORAGE}``, never written), or the password in ``PGPASSWORD`` or
``~/.pgpass`` (read by the PostgreSQL client) beside a URL without one.

* :func:`check_args`: the command line, before Hydra starts (``budget-hpo``, the plan, phase 2);
* :class:`PasswordCheck`: the composed config, a Hydra callback that runs before Hydra creates
  the run or sweep folder (``hydra.callbacks.no_password`` in ``conf/config.yaml``);
* :func:`check_config`: a config composed by the package itself (``budget-hpo-phase2``).

A password given as one ``${oc.env:VAR}`` interpolation is not literal: it stays in the
environment.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from budget_hpo.errors import ConfigError

__all__ = [
    "HYDRA_WRITES", "SAFE_WAYS", "PasswordCheck", "check_args", "check_config",
    "has_literal_password", "hide",
]

SAFE_WAYS = ("a URL without a password: the whole storage URL in $BUDGET_HPO_STORAGE, or the "
             "password in PGPASSWORD or ~/.pgpass")
HYDRA_WRITES = "Hydra would write it into every job's .hydra/ files"

# scheme://user:password@, read as SQLAlchemy reads a URL (the password runs to the first '@')
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][\w+.-]*://[^/:@\s]*:)(?P<password>[^@\n]*)@")
_FROM_ENV = re.compile(r"\$\{oc\.env:[^{}]*\}")
_SKIPPED = ("hydra.overrides",)  # the overrides again, as text: their keys are found as values


def _literal(password: str) -> bool:
    return bool(password) and _FROM_ENV.fullmatch(password) is None


def has_literal_password(text: str) -> bool:
    """Whether ``text`` holds a URL with a literal (non-empty, not ``${oc.env:...}``) password."""
    return any(_literal(m["password"]) for m in _CREDENTIALS.finditer(str(text)))


def hide(text: str) -> str:
    """``text`` with every URL password shown as ``***`` (``user:pass@`` -> ``user:***@``)."""
    return _CREDENTIALS.sub(lambda m: f"{m['head']}***@" if m["password"] else m[0], str(text))


def _refusal(key: str, value: str, why: str = HYDRA_WRITES) -> ConfigError:
    return ConfigError(key, hide(value), f"{SAFE_WAYS} ({why})")


def check_args(args: Sequence[str], why: str = HYDRA_WRITES) -> None:
    """Refuse a command-line argument (``key=value``) whose value holds a literal password.

    Args:
        args: the command line.
        why: what would become of the password, for the message.

    Raises:
        ConfigError: naming the key and the value with its password hidden.
    """
    for arg in args:
        if has_literal_password(arg):
            key, _, value = arg.partition("=")
            raise _refusal(key if value else "argument", value or arg, why)


def _strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if path in _SKIPPED:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def check_config(cfg: DictConfig) -> None:
    """Refuse a composed config (``hydra`` node included) with a literal password in any value.

    Values are read as written, interpolations unresolved: ``${oc.env:BUDGET_HPO_STORAGE}``
    passes, and so does the environment variable's value.

    Raises:
        ConfigError: naming the first such key and its value with the password hidden.
    """
    container = OmegaConf.to_container(cfg, resolve=False, throw_on_missing=False)
    for key, value in _strings(container, ""):
        if has_literal_password(value):
            raise _refusal(key, value)


class PasswordCheck(Callback):
    """Refuse a run or sweep whose composed config holds a literal password: one line on stderr,
    exit code 2, before Hydra creates the run or sweep folder or writes any ``.hydra`` file."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config)

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self._check(config)

    @staticmethod
    def _check(config: DictConfig) -> None:
        try:
            check_config(config)
        except ConfigError as err:
            print(f"budget-hpo: error: {err}", file=sys.stderr)
            raise SystemExit(2) from None

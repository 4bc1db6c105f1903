"""Where the Hydra configs live: the package's own, and the user's config directories.

The package ships ``conf/`` as ``budget_hpo.conf`` (Hydra finds it as ``pkg://budget_hpo.conf``).
A user's own config directory adds options to it (their budgets, data, committed searches and the
generated phase-2 files) without copying the package's:

* ``$BUDGET_HPO_CONFIG_DIR`` (one or more directories, separated by ``os.pathsep``), else
* ``./conf`` in the working directory, when it exists, and
* ``--config-dir DIR`` on the command line (Hydra's own flag).

They are appended to Hydra's search path by ``hydra_plugins.budget_hpo_plugins.searchpath``, so
they add options; the package's options of the same name win. Generated phase-2 files are written
to :func:`user_config_dir`, never into the installed package.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

from budget_hpo.natural_sort import natural_key

__all__ = [
    "CONFIG_MODULE",
    "CONFIG_NAME",
    "CONFIG_PATH",
    "ENV_VAR",
    "GROUPS",
    "command_line_dirs",
    "dirs_named_in",
    "named_dirs",
    "group_options",
    "package_config_dir",
    "search_dirs",
    "user_config_dir",
    "user_config_dirs",
]

CONFIG_MODULE = "budget_hpo.conf"
CONFIG_PATH = f"pkg://{CONFIG_MODULE}"
CONFIG_NAME = "config"
ENV_VAR = "BUDGET_HPO_CONFIG_DIR"
GROUPS = (
    "budget", "style", "regularization", "model", "data", "trainer", "objective", "logger",
    "forced", "search",
)


def package_config_dir() -> Path:
    """The configs that ship with the package (``conf/`` of the source tree)."""
    return Path(str(files(CONFIG_MODULE)))


def user_config_dirs(cwd: Path | None = None) -> list[Path]:
    """The user's config directories: ``$BUDGET_HPO_CONFIG_DIR``, and ``./conf`` if present.

    The package's own ``conf/`` (a checkout's working directory) is not repeated.
    """
    own = package_config_dir().resolve()
    found: list[Path] = []
    env = os.environ.get(ENV_VAR, "")
    candidates = [Path(p).expanduser() for p in env.split(os.pathsep) if p]
    candidates.append((cwd or Path.cwd()) / "conf")
    for path in candidates:
        resolved = path.resolve()
        if resolved.is_dir() and resolved != own and resolved not in found:
            found.append(resolved)
    return found


def user_config_dir(cwd: Path | None = None) -> Path:
    """Where generated configs go: the first ``$BUDGET_HPO_CONFIG_DIR``, else ``./conf``."""
    env = [p for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    return Path(env[0]).expanduser() if env else (cwd or Path.cwd()) / "conf"


def dirs_named_in(args: Sequence[str]) -> list[Path]:
    """Config dirs a command line adds: ``--config-dir D``, ``-cd D`` and ``hydra.searchpath``."""
    dirs: list[Path] = []
    for i, arg in enumerate(args):
        if arg in ("--config-dir", "-cd") and i + 1 < len(args):
            dirs.append(Path(args[i + 1]))
        elif arg.startswith("--config-dir="):
            dirs.append(Path(arg.split("=", 1)[1]))
        elif arg.startswith("hydra.searchpath="):
            dirs += [Path(p) for p in re.findall(r"file://([^,\]\s]+)", arg)]
    return [d.expanduser() for d in dirs]


_COMPOSING: list[list[Path]] = []  # the dirs named by the arguments being composed, innermost last


@contextmanager
def command_line_dirs(args: Sequence[str]) -> Iterator[None]:
    """While composing ``args`` outside a command line (the plan, tests), the dirs they name count
    as named on the command line (:func:`named_dirs`)."""
    _COMPOSING.append(dirs_named_in(args))
    try:
        yield
    finally:
        _COMPOSING.pop()


def named_dirs() -> list[Path]:
    """The config dirs named on this process's command line, or by the arguments being composed:
    the search path plugin adds them before the budget counts, so their budget files win."""
    return [*dirs_named_in(sys.argv[1:]), *(_COMPOSING[-1] if _COMPOSING else [])]


def search_dirs(args: Sequence[str] = ()) -> list[Path]:
    """Every directory Hydra will search for options, the package's first."""
    return [package_config_dir(), *user_config_dirs(), *dirs_named_in(args)]


def group_options(group: str, dirs: Iterable[Path] | None = None) -> list[str]:
    """The option names of a config group across ``dirs`` (default: the package's and the user's).

    Options in sub-folders are named by their path, e.g. ``mystudy/phase2_20M`` in ``search``.
    """
    names: set[str] = set()
    for root in [package_config_dir(), *user_config_dirs()] if dirs is None else dirs:
        folder = Path(root) / group
        if folder.is_dir():
            names.update(
                p.relative_to(folder).with_suffix("").as_posix() for p in folder.rglob("*.yaml")
            )
    return sorted(names, key=natural_key)

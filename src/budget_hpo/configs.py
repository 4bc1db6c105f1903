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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = [
    "CONFIG_MODULE",
    "CONFIG_NAME",
    "CONFIG_PATH",
    "ENV_VAR",
    "GROUPS",
    "compose_config",
    "composer",
    "dataset_name",
    "group_options",
    "natural_key",
    "package_config_dir",
    "register_resolvers",
    "search_dirs",
    "split_args",
    "threads_per_job",
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


DATASET_RESOLVER = "budget_hpo.dataset"  # ${budget_hpo.dataset:name,choice,path,paths}
THREADS_RESOLVER = "budget_hpo.threads_per_job"  # ${budget_hpo.threads_per_job:}


def dataset_name(name: str | None, choice: str | None, path: str | None,
                 paths: Sequence[str] | None) -> str:
    """A dataset's name, as study names and phase-2 folders spell it: ``data.name`` when set,
    else the data option's name (``data=my_exchange``), else for ``data=csv`` the file's stem
    (several pooled files: their stems joined by ``+``). Characters other than letters, digits
    and ``_.+-`` become ``_``."""
    if name:
        raw = str(name)
    elif choice and choice != "csv":
        raw = str(choice)
    else:
        files = [str(p) for p in (paths or [])] or ([str(path)] if path else [])
        raw = "+".join(Path(f).stem for f in files) or "data"
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", raw)


def threads_per_job(jobs: int | None = None) -> int:
    """CPU threads for each of ``jobs`` trials training at once on this machine: the cores this
    process may use, shared out (at least 1). ``jobs`` defaults to the sweep's
    ``hydra.sweeper.n_jobs`` under the joblib launcher (the one that runs a batch's trials in
    parallel here), else 1: the basic launcher runs them one after another, SLURM on their own
    nodes, and a composed config (the plan, tests) is one job."""
    if jobs is None:
        from hydra.core.hydra_config import HydraConfig

        hydra = HydraConfig.get() if HydraConfig.initialized() else None
        parallel = hydra is not None and "Joblib" in str(hydra.launcher.get("_target_", ""))
        jobs = int(hydra.sweeper.get("n_jobs") or 1) if hydra is not None and parallel else 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, jobs))


def register_resolvers() -> None:
    """Register ``${budget_hpo.dataset:...}`` (see :func:`dataset_name`) and
    ``${budget_hpo.threads_per_job:}`` (see :func:`threads_per_job`) once per process."""
    from omegaconf import OmegaConf

    def resolve(name: Any = None, choice: Any = None, path: Any = None, paths: Any = None) -> str:
        return dataset_name(name, choice, path, list(paths) if paths else None)

    if not OmegaConf.has_resolver(DATASET_RESOLVER):
        OmegaConf.register_resolver(DATASET_RESOLVER, resolve, annotation_validation="off")
    if not OmegaConf.has_resolver(THREADS_RESOLVER):
        OmegaConf.register_resolver(THREADS_RESOLVER, lambda: threads_per_job())


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


def _dirs_named_in(args: Sequence[str]) -> list[Path]:
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


def search_dirs(args: Sequence[str] = ()) -> list[Path]:
    """Every directory Hydra will search for options, the package's first."""
    return [package_config_dir(), *user_config_dirs(), *_dirs_named_in(args)]


_SCALE = {"k": 1e3, "M": 1e6, "G": 1e9}


def natural_key(name: str) -> tuple[float, str]:
    """Sort key that puts ``750k < 2M < 20M < 200M`` and leaves other names alphabetical."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kMG]?)", name)
    if match is None:
        return (float("inf"), name)
    return (float(match[1]) * _SCALE.get(match[2], 1.0), name)


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


def split_args(args: Sequence[str]) -> list[str]:
    """Command-line arguments as compose overrides: ``--config-dir D`` becomes a search path."""
    overrides, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--config-dir", "-cd"):
            skip = True
        elif not arg.startswith(("--config-dir=", "hydra.searchpath=")):
            overrides.append(arg)
    named = [f"file://{d.resolve()}" for d in _dirs_named_in(args)]
    if named:
        overrides.append(f"hydra.searchpath=[{','.join(named)}]")
    return overrides


@contextmanager
def composer(args: Sequence[str] = ()) -> Iterator[Callable[..., Any]]:
    """``compose(extra=(), return_hydra_config=False)`` for configs of ``budget-hpo ARGS EXTRA``.

    One Hydra initialisation serves many compositions (the plan composes every forced config).
    """
    from hydra import compose, initialize_config_module

    from budget_hpo.schema import register_configs

    register_configs()
    register_resolvers()
    base = split_args(args)

    def _compose(extra: Sequence[str] = (), return_hydra_config: bool = False) -> Any:
        return compose(config_name=CONFIG_NAME, overrides=[*base, *extra],
                       return_hydra_config=return_hydra_config)

    with initialize_config_module(config_module=CONFIG_MODULE):
        yield _compose


def compose_config(args: Sequence[str] = (), *, return_hydra_config: bool = False) -> Any:
    """The config ``budget-hpo ARGS`` would run (``args``: overrides, ``--config-dir DIR``)."""
    with composer(args) as compose:
        return compose(return_hydra_config=return_hydra_config)

"""Compose the config a ``budget-hpo`` command line would run, without running it (the plan, the
phase-2 writer, the report's rescoring, tests and scripts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from budget_hpo.config_dirs import CONFIG_MODULE, CONFIG_NAME, dirs_named_in
from budget_hpo.resolvers import register_resolvers

__all__ = ["compose_config", "composer", "split_args"]


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
    named = [f"file://{d.resolve()}" for d in dirs_named_in(args)]
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

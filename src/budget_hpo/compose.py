"""Compose the config a ``budget-hpo`` command line would run, without running it (the plan, the
phase-2 writer, the report's rescoring, tests and scripts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from budget_hpo.budget_counts import budget_option, count_or_none
from budget_hpo.config_dirs import (
    CONFIG_MODULE,
    CONFIG_NAME,
    command_line_dirs,
    dirs_named_in,
    group_options,
    search_dirs,
)
from budget_hpo.resolvers import register_resolvers

__all__ = ["compose_config", "compose_variants", "composer", "normalize_budget_args", "split_args",
           "variants_in_app"]


def normalize_budget_args(args: Sequence[str]) -> list[str]:
    """``budget=5e6`` as ``budget=5M``: a budget given as a number Hydra would read as a number
    (``5e6``, ``50000000``) is given its short name, the option a count names
    (:func:`budget_hpo.budget_counts.budget_option`); a budget file's own name stays as it is."""
    options = group_options("budget", search_dirs(args))
    out = []
    for arg in args:
        key, eq, value = arg.partition("=")
        parts = value.split(",")
        if key == "budget" and eq and all(p in options or count_or_none(p) for p in parts):
            arg = "budget=" + ",".join(budget_option(p, options) for p in parts)
        out.append(arg)
    return out


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
    base = split_args(normalize_budget_args(args))

    def _compose(extra: Sequence[str] = (), return_hydra_config: bool = False) -> Any:
        return compose(config_name=CONFIG_NAME, overrides=[*base, *extra],
                       return_hydra_config=return_hydra_config)

    with command_line_dirs(args), initialize_config_module(config_module=CONFIG_MODULE):
        yield _compose


def compose_config(args: Sequence[str] = (), *, return_hydra_config: bool = False) -> Any:
    """The config ``budget-hpo ARGS`` would run (``args``: overrides, ``--config-dir DIR``)."""
    with composer(args) as compose:
        return compose(return_hydra_config=return_hydra_config)



def compose_variants(args: Sequence[str], variants: Sequence[Mapping[str, str]],
                     full: Any = None) -> list[Any]:
    """The typed configs of ``budget-hpo ARGS <group>=<option> ...``, one per variant (a mapping
    group -> option), from three compositions however many variants there are (composing each in
    full costs about 0.25 s: a grid's plan would take seconds).

    Each option a variant chooses is composed once, under a package of its own, in one
    composition without the primary config. A variant's group is then built as Hydra builds it:
    the primary config's shared values for the group, the option on top, and the command line's
    dotted overrides of the group (``budget.tolerance=0.2``) last. ``full``: the typed config of
    ``ARGS`` alone, if the caller has it (one composition fewer).

    Raises:
        ConfigError: a group's value is missing or of the wrong type.
    """
    from hydra import initialize_config_module

    with command_line_dirs(args), initialize_config_module(config_module=CONFIG_MODULE):
        return variants_in_app(split_args(normalize_budget_args(args)), variants, full)


def variants_in_app(overrides: Sequence[str], variants: Sequence[Mapping[str, str]],
                    full: Any = None) -> list[Any]:
    """:func:`compose_variants` where Hydra is already initialised: in a running app (a sweep's
    forced configs), with its config search path, ``overrides`` as the app's own (no
    ``--config-dir``: the app's search path has it). No variants: nothing is composed."""
    if not variants:
        return []
    from dataclasses import replace

    from hydra import compose
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf
    from omegaconf.errors import MissingMandatoryValue

    from budget_hpo.errors import ConfigError
    from budget_hpo.schema import register_configs, typed_config

    register_configs()
    register_resolvers()
    groups = {group for variant in variants for group in variant}
    options = sorted({(g, o) for variant in variants for g, o in variant.items()})
    package = {pair: f"_option{i}" for i, pair in enumerate(options)}
    base = list(overrides)

    def key(override: str) -> str:
        return override.split("=", 1)[0].lstrip("+~")

    dotted = [o for o in base if "." in key(o) and key(o).split(".", 1)[0] in groups]
    parsed = OverridesParser.create().parse_overrides(dotted)
    shared_args = [o for o in base if o not in dotted and key(o) not in groups]
    if full is None:
        full = typed_config(compose(config_name=CONFIG_NAME, overrides=base))
    shared = compose(config_name=CONFIG_NAME,
                     overrides=[*shared_args, *(f"~{g}" for g in sorted(groups))])
    nodes = compose(config_name=None,
                    overrides=[f"+{g}@{package[(g, o)]}={o}" for g, o in options])
    configs = []
    for variant in variants:
        changes = {}
        for group, option in variant.items():
            node = OmegaConf.merge(OmegaConf.to_container(shared[group]),  # not struct
                                   nodes[package[(group, option)]])
            for override in parsed:
                if override.key_or_group.split(".", 1)[0] == group:
                    OmegaConf.update(node, override.key_or_group.split(".", 1)[1],
                                     override.value(), merge=False)
            schema = OmegaConf.structured(type(getattr(full, group)))
            try:
                changes[group] = OmegaConf.to_object(OmegaConf.merge(schema, node))
            except MissingMandatoryValue as err:
                raise ConfigError(f"{group}.{err.key}", "???",
                                  f"a value for {group}.{err.key} (it has no default)") from None
        configs.append(replace(full, **changes))
    return configs

"""Console entry points: ``budget-hpo`` (the Hydra app), ``budget-hpo-plan`` and
``budget-hpo-phase2`` (``budget-hpo-report`` is :mod:`budget_hpo.report.cli`).

The Hydra task function only calls :func:`budget_hpo.trial.run.run_trial` and returns the
objective. Before Hydra starts, group options named on the command line are checked against every
config directory (the package's, the user's and ``--config-dir``), so that a typo such as
``style=wide`` is one line naming the key, the value and the allowed options (any parameter count
is a budget: ``budget=5e6`` runs as ``budget=5M``); and a URL with a
literal password is refused (:mod:`budget_hpo.passwords`: Hydra would write it into every job's
``.hydra/`` files; a password in a config file is refused by the same module's Hydra callback).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from budget_hpo.budget_counts import COUNT_HINT, count_or_none
from budget_hpo.compose import normalize_budget_args
from budget_hpo.config_dirs import CONFIG_NAME, CONFIG_PATH, GROUPS, group_options, search_dirs
from budget_hpo.errors import ConfigError, TrialFailed
from budget_hpo.passwords import check_args
from budget_hpo.resolvers import register_resolvers
from budget_hpo.schema import register_configs

__all__ = ["check_command_line", "check_group_overrides", "check_value_overrides", "main",
           "phase2_main", "plan_main"]

log = logging.getLogger("budget_hpo")
register_configs()
register_resolvers()


def _overrides(args: Sequence[str]) -> list[Any]:
    """The command line's ``key=value`` overrides as Hydra parses them; none when Hydra cannot
    parse them (it reports that itself)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    candidates = [a for a in args if "=" in a and not a.startswith("-")]
    try:
        return list(OverridesParser.create().parse_overrides(candidates))
    except Exception:
        return []


def check_group_overrides(args: Sequence[str]) -> None:
    """Raise :class:`ConfigError` for ``group=option`` overrides naming an option that no config
    directory holds (the package's, the user's, or one named by ``--config-dir``)."""
    overrides = _overrides(args)
    dirs = search_dirs(args)
    for override in overrides:
        group = override.key_or_group
        if group not in GROUPS or override.package is not None or override.is_delete():
            continue
        if override.is_sweep_override():
            try:
                values = [str(v) for v in override.sweep_string_iterator()]
            except Exception:
                continue
        else:
            values = [override.get_value_element_as_str()]
        allowed = group_options(group, dirs)
        for value in values:
            if value in allowed or (group == "budget" and count_or_none(value) is not None):
                continue
            if group == "budget":
                raise ConfigError(group, value, f"{COUNT_HINT}, or a budget option: "
                                  f"{' | '.join(allowed)}")
            raise ConfigError(group, value, " | ".join(allowed))


# what a typed key takes, by the words of OmegaConf's conversion error
_TYPE_WORDS = (("valid bool", "true or false"), ("Integer", "an integer"), ("Float", "a number"))


def check_value_overrides(args: Sequence[str]) -> None:
    """Raise :class:`ConfigError` for a ``key=value`` override whose value the schema's type for
    ``key`` cannot take (``search.report=maybe``, ``trainer.max_steps=lots``), which Hydra would
    report in several lines. Sweeps, additions, deletions, ``hydra.*`` and keys the schema does
    not type are left to Hydra."""
    from omegaconf import OmegaConf
    from omegaconf.errors import ValidationError

    from budget_hpo.schema import Config

    keyed = [o for o in _overrides(args) if "." in o.key_or_group and o.package is None
             and not o.key_or_group.startswith("hydra.") and not o.is_sweep_override()
             and not (o.is_add() or o.is_force_add() or o.is_delete())]
    if not keyed:
        return
    schema = OmegaConf.structured(Config)
    for override in keyed:
        try:
            OmegaConf.update(schema, override.key_or_group, override.value(), merge=True)
        except ValidationError as err:
            text = str(err).splitlines()[0]
            allowed = next((words for mark, words in _TYPE_WORDS if mark in text), text)
            raise ConfigError(override.key_or_group, override.get_value_element_as_str(),
                              allowed) from None
        except Exception:  # an untyped or unknown key: Hydra's to judge
            continue


def check_command_line(args: Sequence[str]) -> None:
    """Every check made before Hydra starts: passwords, group options, typed values."""
    check_args(args)
    check_group_overrides(args)
    check_value_overrides(args)


@hydra.main(config_path=CONFIG_PATH, config_name=CONFIG_NAME)
def _app(cfg: DictConfig) -> float:
    from budget_hpo.schema import typed_config
    from budget_hpo.search.faults import kill_job
    from budget_hpo.search.pruners import open_reporter
    from budget_hpo.trial.run import run_trial
    from budget_hpo.trial.tracking import RunInfo

    hydra_cfg = HydraConfig.get()
    try:
        settings = typed_config(cfg)
        sweeper = hydra_cfg.sweeper
        reporter = open_reporter(settings, sweeper.get("storage"), sweeper.get("study_name"))
        kill_job(settings.search.trial)  # a test-only fault (budget_hpo.search.faults)
        trial = settings.search.trial
        run = RunInfo(str(sweeper.get("study_name")) if trial is not None else None, trial)
        result = run_trial(settings, output_dir=hydra_cfg.runtime.output_dir, reporter=reporter,
                           run=run)
    except (ConfigError, TrialFailed) as err:
        if hydra_cfg.mode == RunMode.RUN:  # one run: one line, non-zero exit
            _fail(str(err))
        raise  # in a sweep the sweeper records the failure
    log.info("%s", result.summary())
    return result.objective_value


def _fail(message: str) -> None:
    print(f"budget-hpo: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def main() -> None:
    """``budget-hpo``: one trial, or a sweep with ``-m``."""
    # Hydra 1.4 warns (multi-line) for every callback target without an execution whitelist;
    # the callbacks in conf/search/ are this package's own.
    warnings.filterwarnings(
        "ignore", message=r"(?s)hydra\.utils\.instantiate\(\) resolved _target_='budget_hpo\."
    )
    try:
        check_command_line(sys.argv[1:])
        sys.argv[1:] = normalize_budget_args(sys.argv[1:])
    except ConfigError as err:
        _fail(str(err))
    _app()


def plan_main() -> None:
    """``budget-hpo-plan``: print the forced configs with exact parameter counts; train nothing."""
    from budget_hpo.search.plan import run_plan

    args = sys.argv[1:]
    try:
        check_command_line(args)
        table = run_plan(normalize_budget_args(args))
    except ConfigError as err:
        _fail(str(err))
    print(table)


def phase2_main() -> None:
    """``budget-hpo-phase2 [overrides]``: (re)write the phase-2 files from an existing study.

    The study, storage and ``search.phase2`` settings are those the same overrides give a phase-1
    sweep (``search=phase1`` is implied when no ``search=`` is given).
    """
    args = sys.argv[1:]
    if not any(a.startswith("search=") for a in args):
        args = ["search=phase1", *args]
    try:
        check_command_line(args)
        from budget_hpo.phase2.writer import regenerate

        outcomes = regenerate(normalize_budget_args(args))
    except ConfigError as err:
        _fail(str(err))
    for outcome in outcomes:
        print(f"{outcome.status}: {outcome.path}")

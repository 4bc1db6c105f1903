"""Where bad input is refused before training: every rule a trial (:func:`check_config`) and a
phase sweep (:func:`check_search`) apply to a composed config, each problem one line naming the
key, its value and what is allowed (:class:`budget_hpo.errors.ConfigError`).

The trial's rules run before anything is built or trained; the sweep's run before any storage is
touched. Both live here, below the search stage, so that ``trial/`` and ``search/`` call them
without an upward import.
"""

from __future__ import annotations

from collections.abc import Sequence

from budget_hpo.budget_counts import budget_grid
from budget_hpo.errors import ConfigError
from budget_hpo.forecast_losses import LOSSES as FORECAST_LOSSES
from budget_hpo.schema import Config, EarlyStopConfig
from budget_hpo.trial.architecture import Architecture, DataShape
from budget_hpo.trial.families import FAMILIES
from budget_hpo.trial.models import LOSSES
from budget_hpo.trial.sizing import size_model
from budget_hpo.trial.tiny import TINY
from budget_hpo.trial.tracking import check_logger

__all__ = [
    "ACCELERATORS",
    "AUTO",
    "OBJECTIVES",
    "PRUNERS",
    "at_least",
    "check_config",
    "check_early_stop",
    "check_values",
    "check_pruning",
    "check_search",
    "data_n_series",
    "is_auto",
]

# the metric decides the direction: AUC up, every forecast loss (mse, mae) down
OBJECTIVES = {"auc": "maximize", **{loss: "minimize" for loss in FORECAST_LOSSES}}
ACCELERATORS = ("cpu", "gpu", "cuda", "mps", "auto")
PRUNERS = ("none", "median", "hyperband", "threshold")  # search.pruner
AUTO = "auto"  # search.early_stop.threshold: from measured seed noise


def at_least(key: str, value: object, low: int) -> None:
    """Raise :class:`ConfigError` unless ``value`` is an integer >= ``low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(key, value, f"an integer >= {low}")


def is_auto(rule: EarlyStopConfig) -> bool:
    return rule.threshold == AUTO


def check_config(cfg: Config, n_series: int | None = None) -> Architecture:
    """Validate every value a trial uses and return the architecture it will build for
    ``n_series`` series (default: the configured data's, :func:`data_n_series`).

    Raises:
        ConfigError: the first bad key, with its value and what is allowed.
    """
    check_values(cfg)
    series = data_n_series(cfg) if n_series is None else n_series
    return size_model(cfg, DataShape.from_config(cfg, series)).arch


def data_n_series(cfg: Config) -> int:
    """How many series the configured data holds (the synthetic generator's setting; a file is
    read)."""
    if cfg.data.source == "synthetic" and cfg.data.generator is not None:
        return cfg.data.generator.n_series
    from budget_hpo.trial.data import load_panel

    return load_panel(cfg.data).n_series


def check_values(cfg: Config) -> None:
    """Validate every value a trial uses, apart from its size (which needs the data's shape).

    Raises:
        ConfigError: the first bad key, with its value and what is allowed.
    """
    reg = cfg.regularization
    if not 0.0 <= reg.dropout < 1.0:
        raise ConfigError("regularization.dropout", reg.dropout, "0 <= dropout < 1")
    if not reg.lr > 0.0:
        raise ConfigError("regularization.lr", reg.lr, "lr > 0")
    if not reg.weight_decay >= 0.0:
        raise ConfigError("regularization.weight_decay", reg.weight_decay, "weight_decay >= 0")

    check_logger(cfg)
    model = cfg.model
    if model.name not in (*FAMILIES, TINY):
        raise ConfigError("model", model.name, " | ".join((*FAMILIES, TINY)))
    if model.loss not in LOSSES:
        raise ConfigError("model.loss", model.loss, " | ".join(LOSSES))
    at_least("model.batch_size", model.batch_size, 1)
    at_least("model.input_size", model.input_size, 1)

    data = cfg.data
    at_least("data.horizon", data.horizon, 1)
    at_least("data.val_size", data.val_size, data.horizon)
    at_least("data.test_size", data.test_size, data.horizon)

    trainer = cfg.trainer
    at_least("trainer.max_steps", trainer.max_steps, 1)
    at_least("trainer.eval_step", trainer.eval_step, 1)
    at_least("trainer.devices", trainer.devices, 1)
    if trainer.num_threads is not None:
        at_least("trainer.num_threads", trainer.num_threads, 1)
    if trainer.accelerator not in ACCELERATORS:
        raise ConfigError("trainer.accelerator", trainer.accelerator, " | ".join(ACCELERATORS))

    at_least("objective.bootstrap.resamples", cfg.objective.bootstrap.resamples, 1)
    at_least("objective.bootstrap.block", cfg.objective.bootstrap.block, 1)
    objective = cfg.objective
    if objective.name not in OBJECTIVES:
        raise ConfigError("objective", objective.name, " | ".join(OBJECTIVES))
    if objective.direction != OBJECTIVES[objective.name]:
        raise ConfigError("objective.direction", objective.direction, OBJECTIVES[objective.name])


def check_search(
    cfg: Config, *, n_trials: int, n_jobs: int, direction: str, budgets: Sequence[str]
) -> None:
    """Validate ``search.*`` and the sweeper's settings (``budgets``: the budget files' options;
    any count is a budget too).

    Raises:
        ConfigError: the first bad key, with its value and what is allowed.
    """
    search = cfg.search
    if direction != cfg.objective.direction:
        raise ConfigError("hydra.sweeper.direction", direction,
                          f"{cfg.objective.direction} (objective={cfg.objective.name})")
    budget_grid(search.budgets, budgets)  # counts or budget options, each named once
    at_least("hydra.sweeper.n_trials", n_trials, 1)
    at_least("hydra.sweeper.n_jobs", n_jobs, 1)
    at_least("search.random_startup", search.random_startup, 0)
    check_early_stop(search.early_stop)
    if is_auto(search.early_stop) and not search.forced:
        raise ConfigError("search.early_stop.threshold", "auto",
                          "a number when search.forced=false (auto reruns the first forced config)")
    check_pruning(cfg)
    if not 0.0 <= search.max_failure_share <= 1.0:
        raise ConfigError("search.max_failure_share", search.max_failure_share, "0 <= share <= 1")
    at_least("search.min_trials_before_abort", search.min_trials_before_abort, 1)
    at_least("search.heartbeat_interval", search.heartbeat_interval, 1)
    at_least("search.grace_period", search.grace_period, 2 * search.heartbeat_interval + 1)
    at_least("search.max_retries", search.max_retries, 0)
    at_least("search.replicates.top_k", search.replicates.top_k, 1)
    at_least("search.replicates.seeds", search.replicates.seeds, 0)
    at_least("search.artifacts.checkpoints_top_k", search.artifacts.checkpoints_top_k, 0)
    at_least("search.phase2.run_jobs", search.phase2.run_jobs, 1)


def check_early_stop(rule: EarlyStopConfig) -> None:
    """Refuse a rule that could never fire or always fires.

    Raises:
        ConfigError: ``patience < 1``, ``top_k < 2``, a ``threshold`` neither a number >= 0 nor
            ``auto``, or (with ``auto``) ``noise_seeds < 2`` or ``noise_factor <= 0``.
    """
    if rule.patience < 1:
        raise ConfigError("search.early_stop.patience", rule.patience, "an integer >= 1")
    if rule.top_k < 2:
        raise ConfigError("search.early_stop.top_k", rule.top_k, "an integer >= 2")
    if is_auto(rule):
        if rule.noise_seeds < 2:
            raise ConfigError("search.early_stop.noise_seeds", rule.noise_seeds,
                              "an integer >= 2 (threshold=auto needs a standard deviation)")
        if not rule.noise_factor > 0:
            raise ConfigError("search.early_stop.noise_factor", rule.noise_factor, "a number > 0")
    elif isinstance(rule.threshold, str) or not rule.threshold >= 0:
        raise ConfigError("search.early_stop.threshold", rule.threshold,
                          f"a number >= 0, or {AUTO} (noise_factor x the measured seed SD)")


def check_pruning(cfg: Config) -> None:
    """Refuse an unknown pruner or a non-positive check interval (one line each)."""
    if cfg.search.pruner not in PRUNERS:
        raise ConfigError("search.pruner", cfg.search.pruner, " | ".join(PRUNERS))
    at_least("search.prune_every", cfg.search.prune_every, 1)

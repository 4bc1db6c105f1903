"""Sweep-level checks: every setting a phase sweep uses, refused in one line before any storage
is touched (the trial-level checks are :func:`budget_hpo.trial.validate.check_config`)."""

from __future__ import annotations

from collections.abc import Sequence

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.search.early_stop import check_rule, is_auto
from budget_hpo.search.pruners import check_pruning
from budget_hpo.trial.validate import at_least

__all__ = ["check_search"]


def check_search(
    cfg: Config, *, n_trials: int, n_jobs: int, direction: str, budgets: Sequence[str]
) -> None:
    """Validate ``search.*`` and the sweeper's settings (``budgets``: the budget options).

    Raises:
        ConfigError: the first bad key, with its value and what is allowed.
    """
    search = cfg.search
    if direction != cfg.objective.direction:
        raise ConfigError("hydra.sweeper.direction", direction,
                          f"{cfg.objective.direction} (objective={cfg.objective.name})")
    if not search.budgets:
        raise ConfigError("search.budgets", "[]", "a non-empty list such as [2M,20M]")
    for budget in search.budgets:
        if budget not in budgets:
            raise ConfigError("search.budgets", budget, " | ".join(budgets))
    at_least("hydra.sweeper.n_trials", n_trials, 1)
    at_least("hydra.sweeper.n_jobs", n_jobs, 1)
    check_rule(search.early_stop)
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

"""Thin public class; the logic lives in :mod:`budget_hpo.search.sweeper`, imported lazily (Hydra imports
every module under ``hydra_plugins`` at start-up)."""

from typing import Any

from hydra_plugins.hydra_optuna_sweeper.optuna_sweeper import OptunaSweeper
from omegaconf import DictConfig

from . import config as config  # noqa: F401  (registers hydra/sweeper=budget_optuna)


class BudgetSweeper(OptunaSweeper):
    """hydra-optuna-sweeper with forced trials, a study-level stop and resumable totals."""

    def __init__(
        self,
        sampler: Any,
        direction: Any,
        storage: Any | None,
        study_name: str | None,
        n_trials: int,
        n_jobs: int,
        max_failure_rate: float,
        custom_search_space: str | None,
        params: DictConfig | None,
    ) -> None:
        from budget_hpo.search.sweeper import BudgetSweeperImpl

        self.sweeper = BudgetSweeperImpl(
            sampler=sampler,
            direction=direction,
            storage=storage,
            study_name=study_name,
            n_trials=n_trials,
            n_jobs=n_jobs,
            max_failure_rate=max_failure_rate,
            custom_search_space=custom_search_space,
            params=params,
        )

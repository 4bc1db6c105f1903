"""Thin public class; the logic lives in :mod:`budget_hpo.search.sweeper`, imported lazily
(Hydra imports every module under ``hydra_plugins`` at start-up)."""

import sys
from typing import Any

from hydra_plugins.hydra_optuna_sweeper.optuna_sweeper import OptunaSweeper
from omegaconf import DictConfig

from . import sweeper_config as sweeper_config  # noqa: F401  (registers hydra/sweeper=budget_optuna)


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
        from budget_hpo.errors import ConfigError
        from budget_hpo.search.sweeper import BudgetSweeperImpl

        try:
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
        except ConfigError as err:
            _refuse(err)

    def setup(self, *, hydra_context: Any, task_function: Any, config: DictConfig) -> None:
        from budget_hpo.errors import ConfigError

        try:
            self.sweeper.setup(
                hydra_context=hydra_context, task_function=task_function, config=config
            )
        except ConfigError as err:
            _refuse(err)

    def sweep(self, arguments: list[str]) -> None:
        from budget_hpo.errors import ConfigError

        try:
            self.sweeper.sweep(arguments)
        except ConfigError as err:
            _refuse(err)


def _refuse(err: Exception) -> None:
    """Bad sweep settings: one line naming the key, exit code 2 (as for a single trial)."""
    print(f"budget-hpo: error: {err}", file=sys.stderr)
    raise SystemExit(2)

"""``hydra/sweeper=budget_optuna``: the Optuna sweeper's config, pointing at the phase sweeper."""

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore
from hydra_plugins.hydra_optuna_sweeper.config import OptunaSweeperConf


@dataclass
class BudgetOptunaSweeperConf(OptunaSweeperConf):
    _target_: str = "hydra_plugins.budget_hpo_plugins.sweeper.BudgetSweeper"


ConfigStore.instance().store(
    group="hydra/sweeper", name="budget_optuna", node=BudgetOptunaSweeperConf, provider="budget_hpo"
)

"""Hydra plugins of budget_hpo: the phase sweeper (``hydra/sweeper=budget_optuna``) and the search
path that adds the user's config directories. Kept light: Hydra imports every module under
``hydra_plugins`` at each start-up, so the logic lives in ``budget_hpo`` and is imported lazily."""

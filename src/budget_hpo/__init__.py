"""budget_hpo: budget-aware, two-phase hyperparameter search for transformer forecasters.

Entry points: ``budget-hpo`` (Hydra app, :mod:`budget_hpo.cli`), ``budget-hpo-plan``,
``budget-hpo-phase2`` and ``budget-hpo-report``. The work of one trial is
:func:`budget_hpo.trial.run_trial`; modules are named for the idea they hold.
Kept free of imports so that Hydra's start-up and the CLI's argument checks stay fast.
"""

__version__ = "0.1.0"

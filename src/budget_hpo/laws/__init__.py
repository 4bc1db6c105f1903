"""Scaling-law findings: pure statistics of the best configs' metrics against their exact size.

- :func:`fit_law`: a power law ``E + A·N^(−α)`` (a loss, four sizes or more) or a log-linear
  line (fewer sizes, or AUC) fitted to each budget's mean over fresh seeds, with bootstrap
  intervals over seeds and origins, a verdict (``bigger helps``, ``no evidence``,
  ``bigger hurts``) and predictions at any size.
- :func:`check_extrapolation`: the law refitted without the largest budget, its prediction there
  set against the measurement.
- :func:`fit_lr_law`: the best learning rate against size (log-log), to transfer it to a size not
  searched.
- :func:`mean_interval`: a budget's mean over fresh seeds with its interval (the winner's curse:
  what a winner scores on seeds that did not select it).

The caller groups the points (a style, or the styles pooled) and reads them from the studies;
nothing here reads a study, a config or a file.
"""

from budget_hpo.laws.curves import ALPHA_BOUNDS, LogLinear, PowerLaw
from budget_hpo.laws.extrapolation import (
    MIN_CHECK_BUDGETS,
    ExtrapolationCheck,
    check_extrapolation,
)
from budget_hpo.laws.learning_rates import BudgetLrs, LrLaw, fit_lr_law
from budget_hpo.laws.scaling import (
    HELPS,
    HURTS,
    MIN_POWER_LAW_BUDGETS,
    NO_EVIDENCE,
    ScalingLaw,
    fit_law,
)
from budget_hpo.laws.seeds import BudgetSeeds, SeedNoise, mean_interval, noise_sd, seed_noise

__all__ = [
    "ALPHA_BOUNDS", "HELPS", "HURTS", "MIN_CHECK_BUDGETS", "MIN_POWER_LAW_BUDGETS", "NO_EVIDENCE",
    "BudgetLrs", "BudgetSeeds", "ExtrapolationCheck", "LogLinear", "LrLaw", "PowerLaw",
    "ScalingLaw", "SeedNoise", "check_extrapolation", "fit_law", "fit_lr_law", "mean_interval",
    "noise_sd", "seed_noise",
]

"""Extrapolation, checked: refit the law without the largest budget and predict it.

A law earns trust beyond the sizes it was fitted on only if it predicted one it had not seen.
The largest budget is held out, the law refitted on the rest (:func:`fit_law`, whose rules pick
its kind from the budgets left) and its prediction at the held-out size, with a 95% interval
that adds the noise of the measurement it is compared with
(:func:`~budget_hpo.laws.seeds.noise_sd`: the budget's mean over its seeds, with the seed SD
pooled over every budget), set against that measurement. Three distinct sizes at least: two
remain to fit a slope.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from budget_hpo.intervals import Interval
from budget_hpo.laws.scaling import ScalingLaw, fit_law
from budget_hpo.laws.seeds import BudgetSeeds, noise_sd, seed_noise

__all__ = ["INSIDE", "MIN_CHECK_BUDGETS", "NOT_ENOUGH", "ExtrapolationCheck",
           "check_extrapolation"]

INSIDE, ABOVE, BELOW = "inside", "outside: above", "outside: below"
NOT_ENOUGH = "not enough budgets"
MIN_CHECK_BUDGETS = 3


@dataclass(frozen=True)
class ExtrapolationCheck:
    """The held-out budget's prediction and measurement, and where one lies against the other.

    ``outcome`` is ``inside``, ``outside: above`` (measured above the interval),
    ``outside: below``, or ``not enough budgets`` (then nothing else is set).
    """

    outcome: str
    n_budgets: int  # distinct sizes given, the held-out one included
    n_params: int | None = None  # the held-out size
    predicted: Interval | None = None
    measured: float | None = None
    law: ScalingLaw | None = None  # the refit without it

    def __str__(self) -> str:
        if self.predicted is None or self.measured is None:
            return f"{NOT_ENOUGH} ({self.n_budgets}; the check needs {MIN_CHECK_BUDGETS})"
        p = self.predicted
        return (f"predicted {p.value:.3g} [{p.low:.3g}, {p.high:.3g}], "
                f"measured {self.measured:.3g}: {self.outcome}")


def check_extrapolation(budgets: Sequence[BudgetSeeds], *, maximize: bool,
                        resamples: int = 1000, seed: int = 0) -> ExtrapolationCheck:
    """Refit the law of ``budgets`` without the largest size and check its prediction there.

    Args:
        budgets: one entry per budget (entries of the largest size are held out together).
        maximize: True for a metric where higher is better (as for :func:`fit_law`).
        resamples: bootstrap refits behind the prediction's interval.
        seed: seeds the bootstrap.

    Returns:
        The check; ``not enough budgets`` with fewer than three distinct sizes.
    """
    sizes = sorted({b.n_params for b in budgets})
    if len(sizes) < MIN_CHECK_BUDGETS:
        return ExtrapolationCheck(NOT_ENOUGH, len(sizes))
    largest = sizes[-1]
    held = BudgetSeeds(largest, tuple(v for b in budgets if b.n_params == largest
                                      for v in b.values))
    law = fit_law([b for b in budgets if b.n_params != largest], maximize=maximize,
                  resamples=resamples, seed=seed)
    predicted = law.predict(largest, noise_sd=noise_sd(held, seed_noise(budgets)))
    measured = held.mean
    outcome = (ABOVE if measured > predicted.high else BELOW if measured < predicted.low
               else INSIDE)
    return ExtrapolationCheck(outcome, len(sizes), largest, predicted, measured, law)

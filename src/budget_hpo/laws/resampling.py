"""Bootstrap draws of each budget's mean, over its seeds and its evaluation origins.

Every interval of a scaling law comes from refitting the law to these draws. The choice:

- **Seeds** are drawn with replacement from the seed deviations of every budget pooled (each
  value minus its budget's mean, scaled by ``√(n / (n − 1))`` so that each varies as one seed
  does): the seed noise is taken to be the same at every size. Three seeds per budget say little
  about their own spread (a plain resample of three values also shrinks its variance by a third),
  and a budget with a single seed has none: pooled, every budget draws from all of them.
- **The seed SD is itself uncertain**: each resample scales its seed errors by
  ``√(df / χ²_df)`` (``df`` = the pooled deviations' degrees of freedom), so that the draws carry
  the uncertainty of the SD as well as the noise it measures. Without it the law's intervals
  cover too rarely: 90–92% for a nominal 95% with five or six budgets of three seeds where seed
  noise dominates (``tests/laws/test_scaling.py``). No budget with two seeds: no seed error.
- **Origins**: trials store their origin interval, not its bootstrap samples, so the origin
  error is drawn normal with SD ``(high − low) / 3.92`` (:attr:`BudgetSeeds.origin_sd`). One draw
  per budget, shared by its seeds, since they are scored on the same origins; independent
  between budgets. The budgets share their origins too, but an error that every budget shares
  moves only the law's level (``E``, or the intercept), never its exponent or slope: drawing it
  independently can only widen those intervals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from budget_hpo.laws.seeds import BudgetSeeds, seed_noise

__all__ = ["resample_means", "seed_deviations"]


def seed_deviations(budgets: Sequence[BudgetSeeds]) -> np.ndarray:
    """Every budget's values minus its mean, scaled by ``√(n / (n − 1))`` (budgets with a single
    seed add none): ``Σ (n − 1)`` degrees of freedom."""
    parts = [np.zeros(0)]
    for budget in budgets:
        values = np.array([v.value for v in budget.values])
        n = values.size
        if n >= 2:
            parts.append((values - values.mean()) * math.sqrt(n / (n - 1)))
    return np.concatenate(parts)


def resample_means(budgets: Sequence[BudgetSeeds], resamples: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Bootstrap draws of each budget's mean over its seeds, ``[resamples, len(budgets)]``
    (the module's docstring gives the scheme)."""
    pool = seed_deviations(budgets)
    df = seed_noise(budgets).df
    scale = np.sqrt(df / rng.chisquare(df, resamples)) if df else np.zeros(resamples)
    columns = []
    for budget in budgets:
        n = len(budget.values)
        drawn = (pool[rng.integers(0, pool.size, size=(resamples, n))].mean(axis=1)
                 if pool.size else np.zeros(resamples))
        origin_error = budget.origin_sd * rng.standard_normal(resamples)
        columns.append(budget.mean + scale * drawn + origin_error)
    return np.stack(columns, axis=1)

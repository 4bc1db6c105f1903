"""Bootstrap draws of the budgets' means over seeds and origins."""

from __future__ import annotations

import numpy as np
import pytest

from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetSeeds, seed_noise
from budget_hpo.laws.resampling import resample_means, seed_deviations
from tests.laws.test_seeds import seeds


def test_the_draws_vary_as_seed_noise_over_root_n_plus_the_origin_noise():
    """Seed SD 0.01 (pooled over 8 budgets of 3 seeds: 16 df, whose uncertainty widens the draws
    by sqrt(16 / 14)) and origin SD 0.005."""
    rng = np.random.default_rng(0)
    budgets = [seeds(10 * (i + 1), *(0.7 + rng.normal(0, 0.01, 3)), width=0.005 * 3.92)
               for i in range(8)]
    draws = resample_means(budgets, 20000, np.random.default_rng(1))
    noise = seed_noise(budgets)
    assert noise.df == 16 and seed_deviations(budgets).var() == pytest.approx(noise.sd**2)
    expected = np.sqrt(16 / 14 * noise.sd**2 / 3 + 0.005**2)
    assert draws.shape == (20000, 8)
    assert np.allclose(draws.std(axis=0), expected, rtol=0.05)
    assert np.allclose(draws.mean(axis=0), [b.mean for b in budgets], atol=0.001)


def test_a_single_seed_budget_draws_its_seed_error_from_the_others():
    budgets = [seeds(10, 0.70, 0.72, 0.74), seeds(20, 0.65)]
    draws = resample_means(budgets, 5000, np.random.default_rng(0))
    assert draws[:, 1].std() > 0.01  # about the seed SD, 0.02, widened by 2 df
    assert draws[:, 1].mean() == pytest.approx(0.65, abs=0.002)


def test_without_seeds_or_origin_intervals_nothing_varies():
    mae = BudgetSeeds(20, (Interval(0.6, float("nan"), float("nan")),))  # no interval recorded
    budgets = [seeds(10, 0.7), mae]
    assert (resample_means(budgets, 10, np.random.default_rng(0)) == [0.7, 0.6]).all()


def test_the_same_generator_seed_gives_the_same_draws():
    budgets = [seeds(10, 0.70, 0.72, width=0.02), seeds(20, 0.65, 0.66, width=0.02)]
    first = resample_means(budgets, 50, np.random.default_rng(3))
    assert (first == resample_means(budgets, 50, np.random.default_rng(3))).all()

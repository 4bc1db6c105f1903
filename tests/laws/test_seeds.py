"""A budget's fresh seeds: their origin noise, the pooled seed noise and the mean's interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetSeeds, SeedNoise, mean_interval, noise_sd, seed_noise

NAN = float("nan")


def seeds(n_params, *values, width=0.0):
    return BudgetSeeds(n_params, tuple(Interval(v, v - width / 2, v + width / 2) for v in values))


def test_the_origin_sd_is_the_normal_one_of_the_recorded_interval():
    budget = seeds(10, 0.7, 0.72, width=0.0392)
    assert budget.mean == pytest.approx(0.71)
    assert budget.origin_sd == pytest.approx(0.01)
    assert BudgetSeeds(10, (Interval(0.3, NAN, NAN),)).origin_sd == 0.0  # none recorded (MAE)


def test_the_seed_sd_is_pooled_over_budgets_with_several_seeds():
    budgets = [seeds(10, 1.0, 2.0, 3.0), seeds(20, 5.0, 7.0), seeds(30, 4.0)]
    noise = seed_noise(budgets)
    assert noise.df == 3  # 2 + 1; the single seed adds none
    assert noise.sd == pytest.approx(math.sqrt((2 * 1.0 + 1 * 2.0) / 3))
    assert seed_noise([seeds(30, 4.0)]).df == 0 and math.isnan(seed_noise([seeds(3, 4.0)]).sd)


def test_the_noise_of_a_mean_adds_seed_noise_over_root_n_and_the_shared_origin_noise():
    budget = seeds(10, 0.7, 0.72, 0.74, 0.76, width=0.0392)
    assert noise_sd(budget, SeedNoise(0.02, 9)) == pytest.approx(math.sqrt(0.02**2 / 4 + 0.01**2))
    assert noise_sd(budget, SeedNoise(NAN, 0)) == pytest.approx(0.01)  # unknown: origins only


def test_the_fresh_seed_mean_interval_covers_the_true_mean_at_about_95_percent():
    """Three seeds (SD 0.01) and an origin error shared by them (SD 0.005): 934 of 1000 draws
    covered (a plain t quantile with 2 df covered all 1000: too wide)."""
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(1000):
        values = 0.8 + rng.normal(0, 0.005) + rng.normal(0, 0.01, 3)
        ci = mean_interval(seeds(10, *values, width=0.005 * 3.92))
        covered += ci.low <= 0.8 <= ci.high
    assert 920 <= covered <= 975


def test_a_single_value_without_any_noise_has_no_interval():
    ci = mean_interval(seeds(10, 0.7))
    assert ci.value == 0.7 and math.isnan(ci.low) and math.isnan(ci.high)
    assert mean_interval(seeds(10, 0.7, width=0.0392)).low == pytest.approx(0.7 - 0.0196)


@pytest.mark.parametrize(("n_params", "values", "match"), [
    (0, (Interval(1.0, 1.0, 1.0),), "n_params"),
    (10, (), "no values"),
    (10, (Interval(NAN, 0.0, 1.0),), "non-finite"),
])
def test_bad_budgets_are_refused(n_params, values, match):
    with pytest.raises(ValueError, match=match):
        BudgetSeeds(n_params, values)

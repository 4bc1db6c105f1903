"""Extrapolation, checked: the law refitted without the largest budget predicts it."""

from __future__ import annotations

import dataclasses

import numpy as np

from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetSeeds, ExtrapolationCheck, check_extrapolation
from tests.laws.simulated import SIZES, loss_law, simulate
from tests.laws.test_scaling import auc_line


def shifted(budget: BudgetSeeds, by: float) -> BudgetSeeds:
    return BudgetSeeds(budget.n_params, tuple(
        Interval(v.value + by, v.low + by, v.high + by) for v in budget.values))


def test_a_largest_budget_off_the_law_by_five_interval_widths_is_outside():
    budgets = simulate(np.random.default_rng(0), loss_law)
    on_law = check_extrapolation(budgets, maximize=False, resamples=300)
    assert on_law.outcome == "inside" and on_law.n_params == SIZES[-1]
    assert on_law.law is not None and on_law.law.n_budgets == 5 and on_law.law.kind == "power law"
    assert on_law.predicted is not None
    width = on_law.predicted.high - on_law.predicted.low
    for by, outcome in ((5 * width, "outside: above"), (-5 * width, "outside: below")):
        broken = check_extrapolation([*budgets[:-1], shifted(budgets[-1], by)], maximize=False,
                                     resamples=300)
        assert broken.predicted == on_law.predicted  # the held-out values never enter the fit
        assert broken.outcome == outcome
        assert str(broken).endswith(f": {outcome}")


def test_a_largest_budget_on_the_law_is_inside_at_about_the_nominal_rate():
    """Six budgets of a known power law with seed and origin noise, the 1e8 one held out: inside
    in 56 of 60 simulated studies (the interval adds the noise of its three-seed mean)."""
    inside = sum(
        check_extrapolation(simulate(np.random.default_rng(draw), loss_law), maximize=False,
                            resamples=200, seed=draw).outcome == "inside"
        for draw in range(60))
    assert inside >= 52


def test_three_auc_budgets_are_enough_and_two_are_not():
    sizes = SIZES[::2]
    budgets = simulate(np.random.default_rng(1), auc_line(0.01), sizes, origin_sd=0.01)
    check = check_extrapolation(budgets, maximize=True, resamples=200)
    assert check.law is not None and check.law.kind == "log-linear" and check.law.n_budgets == 2
    assert check.outcome == "inside"
    too_few = check_extrapolation(budgets[:2], maximize=True)
    assert too_few.outcome == "not enough budgets" and too_few.predicted is None
    assert str(too_few) == "not enough budgets (2; the check needs 3)"


def test_the_check_reads_as_prediction_measurement_and_outcome():
    check = ExtrapolationCheck("inside", 5, 10**8, Interval(0.712, 0.69, 0.74), 0.721)
    assert str(check) == "predicted 0.712 [0.69, 0.74], measured 0.721: inside"
    above = dataclasses.replace(check, measured=0.75, outcome="outside: above")
    assert str(above) == "predicted 0.712 [0.69, 0.74], measured 0.75: outside: above"

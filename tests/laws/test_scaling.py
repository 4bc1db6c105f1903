"""A scaling law of one set of points: its kind, its intervals, its verdict and its predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from budget_hpo.intervals import Interval
from budget_hpo.laws import HELPS, HURTS, NO_EVIDENCE, BudgetSeeds, fit_law
from budget_hpo.laws import curves as curves_module
from tests.laws.simulated import FIVE_SIZES, SIZES, TRUE_ALPHA, loss_law, simulate
from tests.laws.test_seeds import seeds


def auc_line(slope):
    return lambda n: 0.6 + slope * math.log10(n / 1e5)


@pytest.mark.slow
@pytest.mark.parametrize(("sizes", "seed_sd", "origin_sd"), [
    (SIZES, 0.004, 0.004),
    (FIVE_SIZES, 0.008, 0.002),
])
def test_the_alpha_interval_covers_the_true_exponent_at_about_95_percent(sizes, seed_sd,
                                                                        origin_sd):
    """200 simulated studies of a known law (E 0.5, A 10, α 0.3; sizes 1e5-1e8, 3 fresh seeds
    each, an origin error shared by a budget's seeds), 200 resamples each. Measured: six budgets
    with equal seed and origin noise, 189 of 200 (94.5%); five budgets where seed noise
    dominates, 187 of 200 (93.5%; 90-91% before the seed SD's own uncertainty was drawn)."""
    covered = 0
    for draw in range(200):
        law = fit_law(simulate(np.random.default_rng(draw), loss_law, sizes, seed_sd=seed_sd,
                               origin_sd=origin_sd), maximize=False, resamples=200, seed=draw)
        assert law.kind == "power law"
        covered += law.exponent.low <= TRUE_ALPHA <= law.exponent.high
    assert 176 <= covered <= 198  # 88-99%


def test_a_falling_loss_is_a_power_law_near_the_truth_and_bigger_helps():
    law = fit_law(simulate(np.random.default_rng(0), loss_law), maximize=False, resamples=300)
    assert law.kind == "power law" and law.note == ""
    assert (law.n_budgets, law.n_points) == (6, 18)
    assert law.curve.alpha == pytest.approx(TRUE_ALPHA, abs=0.05)
    assert law.exponent.low < law.curve.alpha < law.exponent.high
    assert law.verdict == HELPS
    at, measured = law.predict(3e6), law.predict(3e6, noise_sd=0.01)
    assert at.value == law.curve.at(3e6) == measured.value
    assert measured.high - measured.low > at.high - at.low  # plus one measurement's noise


def test_the_predicted_interval_covers_the_true_law_between_budgets():
    """At 3e6 parameters, between two budgets: 57 of 60 simulated studies."""
    covered = 0
    for draw in range(60):
        law = fit_law(simulate(np.random.default_rng(draw), loss_law), maximize=False,
                      resamples=200, seed=draw)
        at = law.predict(3e6)
        covered += at.low <= loss_law(3e6) <= at.high
    assert covered >= 53


def test_a_loss_that_rises_and_saturates_is_bigger_hurts():
    law = fit_law(simulate(np.random.default_rng(1), lambda n: 1.0 - 10.0 * n**-0.3),
                  maximize=False, resamples=300)
    assert law.kind == "power law" and law.curve.A < 0 and law.verdict == HURTS


@pytest.mark.parametrize(("budgets", "maximize", "kind"), [
    (6, True, "log-linear"),  # AUC: always a line
    (3, False, "log-linear"),  # a loss with fewer than four sizes
    (4, False, "power law"),
])
def test_the_kind_follows_the_metric_and_the_number_of_budgets(budgets, maximize, kind):
    sizes = SIZES[-budgets:]
    law = fit_law(simulate(np.random.default_rng(2), loss_law, sizes), maximize=maximize,
                  resamples=50)
    assert law.kind == kind and law.n_budgets == budgets


@pytest.mark.parametrize(("slope", "verdict", "low"), [
    (0.02, HELPS, 185),  # measured 190 of 200
    (0.0, NO_EVIDENCE, 180),  # measured 188 of 200
    (-0.02, HURTS, 175),  # measured 184 of 200
])
def test_an_auc_slope_gets_its_verdict(slope, verdict, low):
    """Four sizes (10^5.5 to 10^8), 3 seeds (SD 0.006) and an origin SD of 0.01 each: a slope of
    ±0.02 per tenfold is about 3 standard errors; flat gives 'no evidence' in ~95% of draws."""
    found = 0
    for draw in range(200):
        law = fit_law(simulate(np.random.default_rng(draw), auc_line(slope),
                               tuple(int(n) for n in np.logspace(5.5, 8, 4)), seed_sd=0.006,
                               origin_sd=0.01), maximize=True, resamples=200, seed=draw)
        found += law.verdict == verdict
    assert found >= low


def test_a_loss_that_bends_the_wrong_way_falls_back_to_a_line_and_says_so():
    """A loss that falls faster at every tenfold (no saturating power law has that shape)."""
    accelerating = simulate(np.random.default_rng(3), lambda n: 1.0 - 0.004 * math.log10(n)**2,
                            seed_sd=0.002, origin_sd=0.002)
    law = fit_law(accelerating, maximize=False, resamples=200)
    assert law.kind == "log-linear" and law.note.startswith("power law fell back to log-linear")
    assert law.curve.slope == pytest.approx(-0.052, abs=0.003) and law.verdict == HELPS


def test_a_search_that_does_not_converge_keeps_the_grid_point_and_says_so(monkeypatch):
    real = curves_module.find_minimum

    def failing(f, init, args, tolerances):
        found = real(f, init, args=args, tolerances=tolerances)
        found.success = np.zeros_like(found.success)
        return found

    monkeypatch.setattr(curves_module, "find_minimum", failing)
    law = fit_law(simulate(np.random.default_rng(0), loss_law), maximize=False, resamples=50)
    assert law.kind == "power law" and "did not converge" in law.note
    assert np.isfinite([law.exponent.low, law.exponent.high]).all()


def test_single_seed_budgets_borrow_the_others_seed_noise():
    rng = np.random.default_rng(4)
    budgets = simulate(rng, loss_law)
    budgets[2] = BudgetSeeds(budgets[2].n_params, budgets[2].values[:1])
    budgets[4] = BudgetSeeds(budgets[4].n_params, budgets[4].values[:1])
    law = fit_law(budgets, maximize=False, resamples=200)
    assert law.kind == "power law" and law.n_points == 14
    assert np.isfinite([law.exponent.low, law.exponent.high]).all()
    assert np.isfinite(law.draws).all()


def test_all_single_seeds_still_get_intervals_from_their_origins():
    budgets = simulate(np.random.default_rng(5), loss_law, seeds=1)
    law = fit_law(budgets, maximize=False, resamples=200)
    assert np.isfinite([law.exponent.low, law.exponent.high]).all()
    assert law.exponent.low < law.exponent.high


def test_without_any_recorded_noise_the_residuals_give_the_interval():
    rng = np.random.default_rng(6)
    budgets = [BudgetSeeds(n, (Interval(loss_law(n) + rng.normal(0, 0.003), math.nan, math.nan),))
               for n in SIZES]  # an MAE with one seed: no interval of its own
    law = fit_law(budgets, maximize=False, resamples=200)
    assert "from the fit's residual SD" in law.note
    assert law.exponent.low < law.exponent.high


def test_without_noise_or_residual_degrees_of_freedom_there_is_no_interval():
    law = fit_law([seeds(10**5, 0.8), seeds(10**6, 0.7)], maximize=False, resamples=50)
    assert law.kind == "log-linear" and "no interval" in law.note
    assert math.isnan(law.exponent.low) and law.verdict == NO_EVIDENCE
    assert law.curve.slope == pytest.approx(-0.1)
    assert math.isnan(law.predict(1e7).low)


def test_the_same_seed_gives_the_same_law():
    budgets = simulate(np.random.default_rng(7), loss_law)
    first, again = (fit_law(budgets, maximize=False, resamples=100, seed=3) for _ in range(2))
    assert first == again and (first.draws == again.draws).all()
    assert fit_law(budgets, maximize=False, resamples=100, seed=4).exponent != first.exponent


@pytest.mark.parametrize(("budgets", "resamples", "match"), [
    ([seeds(10, 0.7, 0.71)], 100, "at least 2 distinct"),
    ([seeds(10, 0.7), seeds(10, 0.6)], 100, "at least 2 distinct"),
    ([seeds(10, 0.7), seeds(20, 0.6)], 0, "resamples"),
])
def test_too_little_to_fit_is_refused(budgets, resamples, match):
    with pytest.raises(ValueError, match=match):
        fit_law(budgets, maximize=True, resamples=resamples)

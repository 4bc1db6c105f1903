"""Learning rates that transfer: the best learning rate against size, in log-log."""

from __future__ import annotations

import math

import numpy as np
import pytest

from budget_hpo.laws import BudgetLrs, fit_lr_law
from tests.laws.simulated import SIZES

SLOPE = -0.5  # the best lr falls by sqrt(10) per tenfold parameters: 1e-3 at 1e6


def planted(rng: np.random.Generator, top: int = 5) -> list[BudgetLrs]:
    """Each budget's top configs: the true best lr, 0.15 decades of scatter each (which of them
    ranks first is noise too)."""
    return [BudgetLrs(n, tuple(10 ** (-3 + SLOPE * (math.log10(n) - 6)
                                       + rng.normal(0, 0.15, top))))
            for n in SIZES]


def test_a_planted_slope_is_recovered_and_covered():
    """Over 200 simulated studies the slope's interval covered the truth in 199 (it is
    conservative: drawn from the top configs' spread, centred on their middle) and the point
    estimate erred by 0.054 (SD)."""
    covered, errors = 0, []
    for draw in range(200):
        law = fit_lr_law(planted(np.random.default_rng(draw)), resamples=300, seed=draw)
        covered += law.slope.low <= SLOPE <= law.slope.high
        errors.append(law.line.slope - SLOPE)
    assert covered >= 190
    assert abs(np.mean(errors)) < 0.02 and np.std(errors) < 0.08


def test_the_predicted_lr_is_the_fitted_line_with_its_interval():
    law = fit_lr_law(planted(np.random.default_rng(0)), resamples=500)
    assert law.n_budgets == 6 and law.note == ""
    lr = law.predict(1e9)  # beyond the largest budget
    assert lr.value == pytest.approx(10 ** law.line.at(1e9))
    assert lr.low < 10 ** (-3 + SLOPE * 3) < lr.high
    assert law.slope.low < law.line.slope < law.slope.high


def test_one_budget_gives_its_best_lr_at_every_size_and_says_so():
    law = fit_lr_law([BudgetLrs(10**6, (1e-3, 3e-4, 2e-3))], resamples=500)
    assert law.line.slope == 0 and law.slope.low == law.slope.high == 0
    assert "one budget" in law.note
    for size in (1e5, 1e8):
        lr = law.predict(size)
        assert lr.value == pytest.approx(1e-3) and lr.low == pytest.approx(3e-4, rel=0.01)
        assert lr.high == pytest.approx(2e-3, rel=0.01)


def test_a_single_config_per_budget_is_a_line_without_spread():
    law = fit_lr_law([BudgetLrs(10**5, (1e-2,)), BudgetLrs(10**7, (1e-3,))], resamples=50)
    assert law.line.slope == pytest.approx(-0.5) and law.slope.low == law.slope.high
    assert "no spread" in law.note


@pytest.mark.parametrize(("budgets", "match"), [
    ([], "at least one budget"),
    ([BudgetLrs(10, (1e-3,)), BudgetLrs(10, (2e-3,))], "one entry per budget size"),
])
def test_bad_input_is_refused(budgets, match):
    with pytest.raises(ValueError, match=match):
        fit_lr_law(budgets)
    with pytest.raises(ValueError, match="positive learning rates"):
        BudgetLrs(10, (0.0,))

"""Phase 1's learning rates against size: which points the law reads, and the first trial that a
phase-2 file enqueues from it (the sweeper's side: tests/search/test_first_trial.py)."""

from __future__ import annotations

import numpy as np
import pytest

from budget_hpo.phase2.lr_transfer import LR, LrPoint, first_trial_lines, lr_points, lr_transfer


def test_each_budget_gives_its_top_three_lrs_best_first_at_its_best_trials_count():
    points = [LrPoint("2M", 2_010_000, 1e-4, 0.60), LrPoint("2M", 1_990_000, 2e-4, 0.70),
              LrPoint("2M", 2_000_000, 3e-4, 0.65), LrPoint("2M", 2_000_000, 4e-4, 0.50),
              LrPoint("750k", 760_000, 5e-4, 0.55), LrPoint("750k", None, 9e-4, 0.99),
              LrPoint("750k", 760_000, None, 0.98)]
    maxed = lr_points(points, maximize=True)
    assert [(b.n_params, b.lrs) for b in maxed] == [(760_000, (5e-4,)),
                                                    (1_990_000, (2e-4, 3e-4, 1e-4))]
    minned = lr_points(points, maximize=False)  # a loss: the lowest value is best
    assert minned[1].lrs == (4e-4, 1e-4, 3e-4) and minned[1].n_params == 2_000_000


def test_the_law_recovers_a_planted_lr_slope_and_predicts_between_budgets():
    """lr = 1e-3 · (N / 1e6)^-0.5 planted exactly at 4 budgets (top configs at 0.8x, 1.25x):
    the slope is -0.5 and the prediction at 4M is 5e-4, inside its interval."""
    rng = np.random.default_rng(0)
    points = []
    for n in (1e5, 1e6, 1e7, 1e8):
        best = 1e-3 * (n / 1e6) ** -0.5
        for lr, value in ((best, 0.9), (best * 0.8, 0.8), (best * 1.25, 0.7)):
            points.append(LrPoint(f"{n:g}", int(n), lr, value + rng.normal(0, 1e-4)))
    law = lr_transfer(points, maximize=True)
    assert law is not None and law.law.n_budgets == 4
    assert law.law.line.slope == pytest.approx(-0.5, abs=1e-9)
    assert law.law.slope.low <= -0.5 <= law.law.slope.high
    at_4m = law.predict(4_000_000)
    assert at_4m.value == pytest.approx(5e-4, rel=1e-6) and at_4m.low <= 5e-4 <= at_4m.high
    lines = first_trial_lines(law, 4_000_000)
    assert lines[0].startswith("  first_trial:") and "4,000,000 parameters" in lines[0]
    assert lines[1] == f"    {LR}: 0.0005"


def test_no_law_without_counts_or_lrs_and_no_first_trial_lines():
    assert lr_transfer([LrPoint("2M", None, 1e-4, 0.6), LrPoint("2M", 10, None, 0.6)],
                       maximize=True) is None
    assert first_trial_lines(None, 2_000_000) == []

from __future__ import annotations

import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.phase2.ranking import TrialOutcome, rank_budgets, top_budgets


def outcomes(rows):
    return [TrialOutcome(i, b, v) for i, (b, v) in enumerate(rows)]


def test_best_value_ranks_budgets_when_maximising():
    rows = [("2M", 0.70), ("20M", 0.72), ("750k", 0.60), ("2M", 0.71), ("200M", 0.65)]
    top = top_budgets(outcomes(rows), "maximize", 2)
    assert [r.budget for r in top] == ["20M", "2M"]
    assert (top[1].best_value, top[1].best_trial, top[1].n_complete) == (0.71, 3, 2)


def test_minimising_prefers_the_lowest_value():
    rows = [("2M", 0.30), ("20M", 0.20), ("750k", 0.25)]
    assert [r.budget for r in top_budgets(outcomes(rows), "minimize", 2)] == ["20M", "750k"]


def test_ties_are_broken_by_the_mean_of_the_best_three():
    rows = [("2M", 0.70), ("2M", 0.60), ("2M", 0.50), ("20M", 0.70), ("20M", 0.69), ("20M", 0.10),
            ("20M", 0.68)]
    ranks = rank_budgets(outcomes(rows), "maximize")
    assert [r.budget for r in ranks] == ["20M", "2M"]  # 20M's best three 0.70/0.69/0.68 beat 2M's
    assert ranks[0].mean_top3 == pytest.approx((0.70 + 0.69 + 0.68) / 3)
    minimise = rank_budgets(outcomes([("a", 1.0), ("a", 1.2), ("b", 1.0), ("b", 3.0)]), "minimize")
    assert [r.budget for r in minimise] == ["a", "b"]


def test_failed_and_nan_trials_take_no_part():
    rows = [("2M", None), ("2M", None), ("20M", 0.6), ("750k", float("nan")), ("200M", 0.5)]
    ranks = rank_budgets(outcomes(rows), "maximize")
    assert [r.budget for r in ranks] == ["20M", "200M"]


def test_full_ties_fall_back_to_the_name_so_the_order_is_stable():
    rows = [("20M", 0.7), ("2M", 0.7)]
    assert [r.budget for r in rank_budgets(outcomes(rows), "maximize")] == ["20M", "2M"]
    assert [r.budget for r in rank_budgets(outcomes(rows[::-1]), "maximize")] == ["20M", "2M"]


def test_bad_count_and_direction_are_named():
    with pytest.raises(ConfigError, match="top_budgets=0"):
        top_budgets([], "maximize", 0)
    with pytest.raises(ConfigError, match="direction=best"):
        rank_budgets([], "best")

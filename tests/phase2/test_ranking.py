from __future__ import annotations

import statistics
from types import SimpleNamespace

import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.phase2.ranking import TrialOutcome, rank_budgets, top_budgets
from budget_hpo.phase2.spec import ranked_outcomes
from budget_hpo.search.replicates import seed_stats_of


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


def test_replicated_budgets_are_ranked_by_fresh_means_not_pooled_with_the_selected_value():
    """2M's best config won its selection at 0.80 but its fresh seeds give 0.70; 20M's gives
    0.72 fresh. Pooled with the selected values, 2M would win (0.7333 against 0.72)."""
    trials = [SimpleNamespace(number=n, params={"budget": b}, value=v)
              for n, (b, v) in enumerate([("2M", 0.80), ("20M", 0.72), ("20M", 0.71)])]
    seeds = seed_stats_of({t.number: t.value for t in trials},
                          [(0, 0.69), (0, 0.71), (1, 0.72), (1, 0.72)])
    pooled = [TrialOutcome(n, trials[n].params["budget"], statistics.fmean((s.selected, *s.fresh)))
              for n, s in seeds.items()]
    assert top_budgets(pooled, "maximize", 1)[0].budget == "2M"  # the case is one that differs
    (top,) = top_budgets(ranked_outcomes(trials, seeds), "maximize", 1)
    assert (top.budget, top.best_trial, top.best_value) == ("20M", 1, pytest.approx(0.72))
    ranks = {r.budget: r.best_value for r in rank_budgets(ranked_outcomes(trials, seeds),
                                                          "maximize")}
    assert ranks == {"20M": pytest.approx(0.72), "2M": pytest.approx(0.70)}

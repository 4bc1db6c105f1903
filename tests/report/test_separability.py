"""Separability: a winner against its runner-up by budget, style or both, against twice the
pooled seed SD; across datasets, only separable winners count towards agreement."""

from __future__ import annotations

import math

import pytest

from budget_hpo.report.best_configs import best_per, study_configs
from budget_hpo.report.datasets import agreement_lines
from budget_hpo.report.findings import findings_markdown
from budget_hpo.report.separability import separable, separation
from budget_hpo.report.summary import summary_markdown
from tests.report.planted import Planted, planted_study, snapshot_of

SD_SEEDS = (-0.01, 0.0, 0.01)  # fresh deviations: the pooled seed SD is 0.01


def two_budgets(dataset: str, top: str, top_mean: float, other: str, other_mean: float):
    """A phase 1 of two replicated configs (shallow) at ``top`` and ``other``."""
    return planted_study(f"budget-hpo-phase1-{dataset}", [
        Planted(top, "shallow", top_mean + 0.01, tuple(top_mean + d for d in SD_SEEDS),
                2_487_681 if top == "2M" else 21_470_000),
        Planted(other, "shallow", other_mean, tuple(other_mean + d for d in SD_SEEDS),
                902_785 if other == "750k" else 2_487_681)], dataset=dataset)


def test_separable_is_a_gap_beyond_twice_the_seed_sd():
    assert separable(0.03, 0.01) is True
    assert separable(0.02, 0.01) is False  # at the limit: not beyond it
    assert separable(0.5, math.nan) is None  # no seed SD: cannot be said


def test_the_runner_up_is_the_best_config_of_another_budget_style_or_both():
    study = planted_study("budget-hpo-phase1", [
        Planted("2M", "shallow", 0.72, (0.70, 0.71, 0.69), 2_487_681),
        Planted("2M", "deep", 0.69, (), 2_237_377),  # selected only: its budget is replicated
        Planted("750k", "deep", 0.66, (0.64, 0.65, 0.66), 801_793)])
    configs = study_configs(study)
    budget = separation(configs, "budget", maximize=True)
    assert budget is not None and budget.runner_up is not None
    assert (budget.winner.trial.number, budget.runner_up.trial.number) == (0, 2)
    assert budget.gap == pytest.approx(0.05) and budget.separable is True
    style = separation(configs, "style", maximize=True)
    assert style is not None and style.runner_up is not None
    assert style.runner_up.trial.number == 2  # the deep group has a replicated config: only it
    assert style.text() == ("shallow over deep: gap 0.0500 > 2 × pooled seed SD (0.0200): "
                            "separable")
    at_2m = separation([c for c in configs if c.budget == "2M"], "style", maximize=True,
                       noise=0.01)
    assert at_2m is not None and at_2m.separable is False  # 0.70 vs 0.69 (selected)
    assert at_2m.text() == ("shallow over deep (selected value only): gap 0.0100 <= 2 × pooled "
                            "seed SD (0.0200): within noise")
    assert [c.trial.number for c in best_per(configs, "budget × style", True)] == [2, 1, 0]


def test_winners_agree_only_where_they_are_separable_from_their_runner_up():
    a = two_budgets("alpha", "2M", 0.70, "750k", 0.60)  # gap 0.10 > 0.02: separable
    b = two_budgets("beta", "20M", 0.660, "2M", 0.655)  # gap 0.005 <= 0.02: within noise
    c = two_budgets("gamma", "2M", 0.80, "750k", 0.70)
    lines = agreement_lines(snapshot_of(a, b, c))
    assert lines[0] == ("- Budget: **2M** wins on all 2 datasets where the winner is separable "
                        "(they agree); not separable on beta.")
    assert lines[1] == ("- Style: 0 datasets with a winner separable from its runner-up; nothing "
                        "to compare; not separable on alpha (one style searched), beta (one style "
                        "searched), gamma (one style searched).")
    d = two_budgets("delta", "20M", 0.80, "2M", 0.70)
    assert agreement_lines(snapshot_of(a, b, d))[0] == (
        "- Budget: the datasets **disagree** (alpha → 2M, delta → 20M); not separable on beta.")
    one_each = agreement_lines(snapshot_of(a, b))
    assert one_each[0] == ("- Budget: 1 dataset with a winner separable from its runner-up; "
                           "nothing to compare; not separable on beta.")
    snapshot = snapshot_of(a, b)
    assert one_each[0] in summary_markdown(snapshot)  # the summary's across-datasets section
    assert one_each[0] in findings_markdown(snapshot).split("## Across datasets")[1]


def test_without_a_seed_sd_no_winner_counts():
    plain = [planted_study(f"budget-hpo-phase1-{d}", [
        Planted("2M", "shallow", 0.70, (), 2_487_681),
        Planted("750k", "shallow", 0.60, (), 902_785)], dataset=d) for d in ("a", "b")]
    (budget, *_) = agreement_lines(snapshot_of(*plain))
    assert budget == ("- Budget: 0 datasets with a winner separable from its runner-up; nothing "
                      "to compare; not separable on a (no seed SD), b (no seed SD).")

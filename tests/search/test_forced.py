"""Forced configs for any grid: the anchors rule maps the seed's groups onto any budgets, gives the
seed's 18 on the seed's grid, and a hand-written list still overrides it."""

from __future__ import annotations

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution

from budget_hpo.compose import compose_variants
from budget_hpo.errors import ConfigError
from budget_hpo.search.forced import anchor_budgets, forced_params, forced_trials
from tests.helpers import compose

SEED_GRID = ["750k", "2M", "20M", "200M"]


def test_the_rule_gives_the_seeds_18_configs_on_the_seeds_grid():
    rule = forced_trials(compose(["forced=anchors"]).forced, SEED_GRID)
    listed = forced_trials(compose(["forced=seed18"]).forced, SEED_GRID)
    assert len(rule) == 18 and rule == listed  # ids, budgets, styles, regularisations, order


@pytest.mark.parametrize(("grid", "main", "second", "largest"), [
    (["5M"], "5M", "5M", "5M"),
    (["1M", "5M"], "1M", "5M", "5M"),
    (["1M", "5M", "50M"], "5M", "50M", "50M"),
    (SEED_GRID, "2M", "20M", "200M"),
    (["1M", "2M", "5M", "10M", "20M"], "2M", "10M", "20M"),
])
def test_anchor_budgets(grid, main, second, largest):
    assert anchor_budgets(grid) == {"main": main, "second_largest": second, "largest": largest}


def test_a_grid_of_three_numeric_budgets_gets_16_configs():
    trials = forced_trials(compose([]).forced, ["1M", "5M", "50M"])
    assert [t.id for t in trials] == [
        "G1-1M-shallow", "G1-1M-deep", "G1-5M-shallow", "G1-5M-deep", "G1-50M-shallow",
        "G1-50M-deep",
        "G2-dropout-0.1-5M", "G2-dropout-0.3-5M", "G2-dropout-0.7-5M", "G2-dropout-0.1-50M",
        "G3-lr-1e-5-5M", "G3-lr-1e-3-5M", "G3-lr-1e-5-50M",
        "G4-wd-0-5M", "G4-wd-1e-2-5M", "G4-wd-0-50M",
    ]
    assert {t.style for t in trials[6:]} == {"shallow"}
    assert [t.overrides() for t in trials[:1]] == [
        ["budget=1M", "style=shallow", "regularization=default"]]


def test_a_config_that_lands_twice_is_kept_once():
    trials = forced_trials(compose([]).forced, ["5M"])
    assert len(trials) == 9  # G1 twice, then the 7 extremes once each at the one budget
    keys = [(t.budget, t.style, t.regularization) for t in trials]
    assert len(set(keys)) == len(keys)


def test_the_extremes_style_is_overridable():
    trials = forced_trials(compose(["forced.style=deep"]).forced, ["1M", "5M", "50M"])
    assert {t.style for t in trials[6:]} == {"deep"}


def test_a_hand_written_list_overrides_the_rule_and_names_what_it_lacks():
    listed = compose(["forced=seed18"]).forced
    assert [t.id for t in forced_trials(listed, ["2M", "20M"])][:4] == [
        "G1-2M-shallow", "G1-2M-deep", "G1-20M-shallow", "G1-20M-deep"]
    with pytest.raises(ConfigError, match=r"search\.budgets=50M: invalid; allowed: a budget that "
                                          r"forced=seed18 lists: 750k \| 2M \| 20M \| 200M "
                                          r"\(forced=anchors"):
        forced_trials(listed, ["2M", "50M"])


def test_a_forced_style_missing_from_the_style_choice_is_refused():
    cfg = compose([])
    trials = forced_trials(cfg.forced, ["1M"])
    space = {"budget": CategoricalDistribution(["1M"]),
             "style": CategoricalDistribution(["shallow"]),
             "regularization.dropout": FloatDistribution(0.1, 0.7),
             "regularization.lr": FloatDistribution(1e-5, 1e-3, log=True),
             "regularization.weight_decay": FloatDistribution(0.0, 0.01)}

    configs = compose_variants([], [t.choices() for t in trials])
    with pytest.raises(ConfigError, match=r"hydra\.sweeper\.params\.style=choice\(shallow\): "
                                          r"invalid; allowed: a choice that includes deep "
                                          r"\(forced config G1-1M-deep"):
        forced_params(configs, trials, space)

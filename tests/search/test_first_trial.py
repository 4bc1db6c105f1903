"""``search.first_trial``: checked against the space, clipped to it, enqueued once."""

from __future__ import annotations

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution

from budget_hpo.errors import ConfigError
from budget_hpo.records import TrialRecord
from budget_hpo.search.first_trial import FIRST_ID, enqueue_first, first_trial_params

SPACE = {"regularization.lr": FloatDistribution(5e-6, 2e-3, log=True),
         "model.n_heads": CategoricalDistribution([1, 2, 4])}


def test_a_value_outside_the_range_is_clipped_to_it():
    assert first_trial_params({"regularization.lr": 1e-3}, SPACE) == {"regularization.lr": 1e-3}
    assert first_trial_params({"regularization.lr": 0.5}, SPACE) == {"regularization.lr": 2e-3}
    assert first_trial_params({"regularization.lr": 1e-9}, SPACE) == {"regularization.lr": 5e-6}
    assert first_trial_params(None, SPACE) == {}


@pytest.mark.parametrize("first", [{"regularization.dropout": 0.1}, {"model.n_heads": 2},
                                   {"regularization.lr": "fast"}])
def test_a_key_outside_the_numeric_space_or_a_non_number_is_one_line(first):
    with pytest.raises(ConfigError) as err:
        first_trial_params(first, SPACE)
    message = str(err.value)
    assert "\n" not in message and f"search.first_trial.{next(iter(first))}" in message


def test_it_is_enqueued_once_first_and_the_rest_is_sampled():
    study = optuna.create_study(direction="maximize")
    assert enqueue_first(study, {"regularization.lr": 3e-4}) == [FIRST_ID]
    assert enqueue_first(study, {"regularization.lr": 3e-4}) == []  # a resumed study: not twice
    trial = study.ask({"regularization.lr": SPACE["regularization.lr"],
                       "model.n_heads": SPACE["model.n_heads"]})
    assert trial.params["regularization.lr"] == 3e-4 and trial.params["model.n_heads"] in (1, 2, 4)
    assert TrialRecord.from_attrs(trial.user_attrs).forced_id == FIRST_ID
    study.tell(trial, 0.5)
    assert enqueue_first(study, {"regularization.lr": 3e-4}) == []
    assert len(study.trials) == 1

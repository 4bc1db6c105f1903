from __future__ import annotations

import numpy as np
import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.trial.baselines import naive_scores
from budget_hpo.trial.evaluation import direction_auc, horizon_change, make_splits


@pytest.mark.parametrize(
    ("length", "horizon", "val", "test", "step"),
    [(1000, 1, 100, 100, 1), (1000, 3, 100, 80, 1), (1000, 1, 200, 200, 20), (777, 4, 90, 70, 7)],
)
def test_splits_are_time_ordered_and_never_straddle(length, horizon, val, test, step):
    s = make_splits(length, horizon, val, test, step)
    assert s.train_end == length - val - test
    assert s.val_end == s.train_end + val
    assert s.length <= length and s.length - s.train_end == horizon + step * (s.n_windows - 1)
    # every validation target lies in the validation split, every test target in the test split
    assert (s.val_origins + 1 >= s.train_end).all() and (s.val_origins + horizon < s.val_end).all()
    assert (s.test_origins + 1 >= s.val_end).all() and (s.test_origins + horizon < s.length).all()
    # origins are spaced by the step and the first one is the last training step
    assert s.val_origins[0] == s.train_end - 1
    assert set(np.diff(np.concatenate([s.val_origins, s.test_origins]))) <= {step} | {
        k * step for k in range(2, horizon + 2)
    }


def test_horizon_change_sums_the_next_h_steps():
    values = np.arange(20, dtype=float).reshape(10, 2)  # row t = [2t, 2t+1]
    change = horizon_change(values, np.array([2, 5]), horizon=3)
    assert change.tolist() == [[6 + 8 + 10, 7 + 9 + 11], [12 + 14 + 16, 13 + 15 + 17]]
    splits = make_splits(10, 2, 2, 2, 1)
    assert naive_scores(values, splits, 2, np.array([5])).tolist() == [[8 + 10, 9 + 11]]


def test_direction_auc_perfect_inverse_and_random():
    realised = np.array([[-1.0, 2.0], [3.0, -4.0]])
    assert direction_auc(realised, realised, 0.0) == 1.0
    assert direction_auc(realised, -realised, 0.0) == 0.0
    rng = np.random.default_rng(0)
    noise = direction_auc(rng.standard_normal(20_000), rng.standard_normal(20_000), 0.0)
    assert abs(noise - 0.5) < 0.02


def test_direction_auc_is_scikit_learns_roc_auc_with_ties_and_rejects_nan():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(1)
    for n, levels in ((50, None), (400, 7), (3000, 40)):  # continuous, and many ties
        realised = rng.standard_normal((n, 3))
        score = realised + rng.standard_normal((n, 3))
        if levels is not None:
            score = np.round(score * levels / 4) / levels  # few distinct values: ties
        expected = roc_auc_score((realised > 0.1).reshape(-1), score.reshape(-1))
        assert direction_auc(realised, score, 0.1) == pytest.approx(expected, abs=1e-12)
    with pytest.raises(ValueError, match="not finite"):
        direction_auc(np.array([1.0, -1.0]), np.array([np.nan, 0.2]), 0.0)


def test_direction_auc_names_a_threshold_that_leaves_one_class():
    with pytest.raises(ConfigError, match=r"objective\.threshold=5.0: .*two classes"):
        direction_auc(np.array([1.0, 2.0]), np.array([0.1, 0.2]), 5.0)

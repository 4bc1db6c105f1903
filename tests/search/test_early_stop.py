from __future__ import annotations

import math

import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.records import NoiseRecord
from budget_hpo.schema import EarlyStopConfig
from budget_hpo.search.early_stop import check_convergence, in_force
from budget_hpo.trial.validation import check_early_stop

RULE = EarlyStopConfig(enabled=True, patience=6, threshold=0.02, top_k=3)

CASES = [
    # (values, direction, converged, n_complete, spread)
    ([0.70, 0.71], "maximize", False, 2, None),  # fewer than top_k complete
    ([0.70, 0.71, 0.715, 0.5, 0.5], "maximize", False, 5, 0.015),  # tight top but < patience
    ([0.70, 0.71, 0.715, 0.5, 0.5, 0.4], "maximize", True, 6, 0.015),  # patience reached
    ([0.70, 0.75, 0.715, 0.5, 0.5, 0.4], "maximize", False, 6, 0.05),  # top-3 too spread
    ([0.72, 0.72, 0.72, 0.1, 0.1, 0.1], "maximize", True, 6, 0.0),  # ties
    ([1.0, 1.01, 1.015, 3.0, 4.0, 5.0], "minimize", True, 6, 0.015),  # minimise: best are smallest
    ([1.0, 1.01, 1.015, 3.0, 4.0, 5.0], "maximize", False, 6, 2.0),  # same values, other direction
    ([0.7, 0.71, 0.712, float("nan"), 0.3, 0.2], "maximize", False, 5, 0.012),  # NaN excluded
]


@pytest.mark.parametrize(("values", "direction", "converged", "n", "spread"), CASES)
def test_rule(values, direction, converged, n, spread):
    verdict = check_convergence(values, direction, RULE)
    assert verdict.converged is converged
    assert verdict.n_complete == n
    if spread is None:
        assert verdict.spread is None
    else:
        assert verdict.spread == pytest.approx(spread)


def test_spread_exactly_at_threshold_converges():
    verdict = check_convergence([0.70, 0.71, 0.72, 0.1, 0.1, 0.1], "maximize", RULE)
    assert verdict.converged and verdict.spread == pytest.approx(0.02)


def test_failed_and_pruned_trials_are_excluded_by_the_caller_passing_only_complete_values():
    # a study with 6 trials of which 2 failed (no value) has 4 complete: below patience
    verdict = check_convergence([0.70, 0.71, 0.715, 0.7], "maximize", RULE)
    assert not verdict.converged and verdict.n_complete == 4


def test_top_values_are_the_best_in_order():
    verdict = check_convergence([0.2, 0.9, 0.5, 0.8], "maximize", RULE)
    assert verdict.top_values == (0.9, 0.8, 0.5)
    verdict = check_convergence([0.2, 0.9, 0.5, 0.8], "minimize", RULE)
    assert verdict.top_values == (0.2, 0.5, 0.8)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [({"patience": 0}, "patience"), ({"top_k": 1}, "top_k"), ({"threshold": -0.1}, "threshold")],
)
def test_bad_settings_are_named(kwargs, key):
    with pytest.raises(ConfigError, match=rf"search\.early_stop\.{key}="):
        check_early_stop(EarlyStopConfig(**{"enabled": True, "patience": 6, "threshold": 0.02, "top_k": 3, **kwargs}))


def test_unknown_direction_is_named():
    with pytest.raises(ConfigError, match="direction=up"):
        check_convergence([1.0], "up", RULE)
    assert math.isfinite(check_convergence([1.0, 2.0, 3.0], "minimize", RULE).spread or 0)


AUTO = EarlyStopConfig(enabled=True, patience=6, threshold="auto", top_k=3, noise_seeds=3,
                       noise_factor=2.0)
VALUES = [0.70, 0.71, 0.715, 0.5, 0.5, 0.4]  # top-3 spread 0.015


def test_auto_threshold_is_the_factor_times_the_measured_seed_sd():
    noise = NoiseRecord(of=0, values=(0.70, 0.71, 0.72), factor=2.0)
    assert noise.sd == pytest.approx(0.01) and noise.threshold == pytest.approx(0.02)
    rule = in_force(AUTO, noise)
    assert rule.threshold == pytest.approx(0.02) and rule.patience == 6
    assert check_convergence(VALUES, "maximize", rule).converged
    tight = in_force(AUTO, NoiseRecord(of=0, values=(0.70, 0.702, 0.704), factor=2.0))
    assert tight.threshold == pytest.approx(0.004)  # the same top 3 are now too spread
    assert not check_convergence(VALUES, "maximize", tight).converged


def test_auto_threshold_never_fires_before_the_noise_is_measured():
    for noise in (None, NoiseRecord(of=0, values=(0.7,), factor=2.0)):  # none, or one value
        rule = in_force(AUTO, noise)
        assert math.isnan(float(rule.threshold))
        assert not check_convergence([0.7] * 10, "maximize", rule).converged


def test_a_number_stays_the_threshold():
    noise = NoiseRecord(of=0, values=(0.70, 0.8), factor=2.0)
    assert in_force(RULE, noise) is RULE


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"threshold": "often"}, "threshold"), ({"noise_seeds": 1}, "noise_seeds"),
    ({"noise_factor": 0.0}, "noise_factor")])
def test_bad_auto_settings_are_named(kwargs, key):
    with pytest.raises(ConfigError, match=rf"search\.early_stop\.{key}="):
        check_early_stop(EarlyStopConfig(**{**AUTO.__dict__, **kwargs}))

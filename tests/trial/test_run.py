"""Real smoke trials: the real neuralforecast model trained for a few steps and scored."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from budget_hpo.errors import TrialFailed
from budget_hpo.forecast_losses import LOSSES, loss_keys
from budget_hpo.trial.baselines import baseline_names
from budget_hpo.trial.models import exact_parameter_count
from budget_hpo.trial.run import forecast_steps, run_trial
from budget_hpo.trial.sizing import resolve_architecture
from tests.helpers import SMALL, TINY
from tests.trial.test_data import long_frame, wide_frame


def test_smoke_trial_scores_and_writes_result_json(compose_cfg, tmp_path):
    result = run_trial(compose_cfg(SMALL), output_dir=tmp_path)
    assert 0.0 <= result.val_auc <= 1.0 and 0.0 <= result.test_auc <= 1.0
    assert result.objective == "auc" and result.objective_value == result.val_auc
    assert (result.d_model, result.n_layers, result.n_heads) == (192, 2, 4)
    assert result.params_exact > result.params_formula * 0.95
    assert result.n_val_origins == 10 and result.n_test_origins == 10
    assert baseline_names() == ("naive", "linear", "gbt")
    for name in ("naive_val_auc", "linear_val_auc", "naive_test_auc", "linear_test_auc",
                 "gbt_val_auc", "gbt_test_auc"):
        assert 0.0 <= getattr(result, name) <= 1.0
    for split in ("val", "test"):  # 95% block-bootstrap intervals around every AUC and gap
        auc = getattr(result, f"{split}_auc")
        assert getattr(result, f"{split}_auc_low") <= auc <= getattr(result, f"{split}_auc_high")
        assert getattr(result, f"{split}_auc_low") < getattr(result, f"{split}_auc_high")
        for name in baseline_names():
            gap = getattr(result, f"{split}_minus_{name}")
            assert gap == pytest.approx(auc - getattr(result, f"{name}_{split}_auc"))
            assert getattr(result, f"{split}_minus_{name}_low") <= gap
            assert gap <= getattr(result, f"{split}_minus_{name}_high")
    written = json.loads((tmp_path / "result.json").read_text())
    for split in ("val", "test"):  # MSE and MAE with their intervals, in result.json too
        for loss in LOSSES:
            value, low, high = (getattr(result, key) for key in loss_keys(loss, split))
            assert 0 < low <= value <= high and low < high
            assert [written[key] for key in loss_keys(loss, split)] == [value, low, high]
    assert result.val_mse >= result.val_mae**2  # mean of squares >= square of the mean
    assert written["val_auc_low"] == result.val_auc_low
    assert written["val_auc"] == result.val_auc and written["params_exact"] == result.params_exact
    assert written["gbt_test_auc_high"] == result.gbt_test_auc_high  # baselines: flat, by name
    assert written["train_steps"] == 3


@pytest.mark.slow
def test_same_seed_gives_identical_auc_and_another_seed_differs(compose_cfg):
    first = run_trial(compose_cfg([*SMALL, "seed=7"]))
    again = run_trial(compose_cfg([*SMALL, "seed=7"]))
    other = run_trial(compose_cfg([*SMALL, "seed=8"]))
    assert (first.val_auc, first.test_auc) == (again.val_auc, again.test_auc)
    assert first.val_auc != other.val_auc


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["long.csv", "wide.csv", "long.parquet"])
def test_user_files_round_trip_into_a_trial(compose_cfg, tmp_path, layout):
    long = long_frame(n_series=4, length=400)
    if layout == "wide.csv":
        wide_frame(long).to_csv(tmp_path / layout, index=False)
    elif layout.endswith(".parquet"):
        long.to_parquet(tmp_path / layout)
    else:
        long.to_csv(tmp_path / layout, index=False)
    cfg = compose_cfg(
        [
            "data=csv", f"data.path={tmp_path / layout}", "trainer=smoke", "trainer.eval_step=5",
            "data.val_size=50", "data.test_size=50",
        ]
    )
    result = run_trial(cfg)
    assert result.n_series == 4 and 0.0 <= result.val_auc <= 1.0


def test_patchtst_is_sized_by_its_own_exact_count_and_trains_that_model(compose_cfg):
    """PatchTST at the 750k budget: not iTransformer's pinned row but the shape solved from
    PatchTST's own exact count on this data (its head grows with the lookback), within the
    tolerance; the count it reports is that of the model it trained."""
    cfg = compose_cfg([*SMALL, "model=patchtst"])
    result = run_trial(cfg)
    assert result.model == "patchtst" and result.shape == "solved"
    assert result.budget_params == 750_000
    assert abs(result.params_exact / 750_000 - 1) <= cfg.budget.tolerance
    arch = resolve_architecture(cfg, result.n_series)
    assert (result.d_model, result.n_layers) == (arch.d_model, arch.n_layers) != (192, 2)
    assert result.params_exact == exact_parameter_count(cfg, arch, result.n_series)
    assert 0.0 <= result.val_auc <= 1.0


@pytest.mark.slow
def test_mae_objective_is_minimised_value(compose_cfg):
    result = run_trial(compose_cfg([*SMALL, "objective=mae"]))
    assert result.direction == "minimize" and result.objective_value == result.val_mae > 0


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_every_loss_is_an_objective_to_minimise(compose_cfg, loss):
    result = run_trial(compose_cfg([*TINY, f"objective={loss}", "data.horizon=2"]))
    assert (result.objective, result.direction) == (loss, "minimize")
    assert result.objective_value == getattr(result, f"val_{loss}") > 0
    assert result.val_mse != result.val_mae


def test_the_cross_validation_frame_becomes_each_steps_forecast_in_the_panels_series_order():
    """Rows in any order; the value encodes (cutoff, step ahead, series) so a misplaced one
    shows."""
    rows = [(series, cutoff + ahead, cutoff, 100 * cutoff + 10 * ahead + i)
            for cutoff in (7, 4) for ahead in (1, 2, 3) for i, series in enumerate(["a", "b"])]
    cv = pd.DataFrame(rows, columns=["unique_id", "ds", "cutoff", "Model"]).sample(
        frac=1.0, random_state=0)
    cutoffs, forecast = forecast_steps(cv, "Model", ["b", "a"])
    assert cutoffs.tolist() == [4, 7] and forecast.shape == (2, 3, 2)  # [cutoffs, steps, series]
    expected = [[[100 * c + 10 * k + i for i in (1, 0)] for k in (1, 2, 3)] for c in (4, 7)]
    np.testing.assert_array_equal(forecast, expected)


def test_diverged_run_raises_instead_of_returning_a_number(compose_cfg):
    cfg = compose_cfg([*SMALL, "regularization.lr=1e30", "trainer.max_steps=5"])
    with pytest.raises(TrialFailed, match="diverged"):
        run_trial(cfg)


@pytest.mark.slow
def test_longer_training_beats_chance_on_the_synthetic_data(compose_cfg):
    result = run_trial(
        compose_cfg(
            ["budget=40k", "trainer.max_steps=150", "regularization=lr_high",  # 40k: 3x faster
             "trainer.eval_step=2", "data.generator.length=1200"]  # than 750k, as far above chance
        )
    )
    assert result.val_auc > 0.55 and result.test_auc > 0.55
    assert math.isfinite(result.final_train_loss)

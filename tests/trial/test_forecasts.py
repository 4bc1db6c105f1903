"""Saved forecasts: a trial's forecasts.parquet re-scores to exactly what it reported (AUCs and
losses), and to what a trial trained with another objective.threshold reports, without training;
a file saved before the steps were kept re-scores without losses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budget_hpo.forecast_losses import LOSSES, loss_keys
from budget_hpo.trial.baselines import baseline_names, metric_keys
from budget_hpo.trial.forecasts import FORECAST_STEPS, FORECASTS, REALISED_STEPS, rescore
from budget_hpo.trial.run import run_trial
from tests.helpers import SMALL, TINY


@pytest.mark.slow
def test_saved_forecasts_rescore_exactly_and_at_another_threshold(compose_cfg, tmp_path):
    cfg = compose_cfg([*SMALL, "seed=3", "data.horizon=3"])
    result = run_trial(cfg, output_dir=tmp_path / "a")
    table = pd.read_parquet(tmp_path / "a" / FORECASTS)
    assert list(table.columns) == ["split", "origin", "series", "realised", "forecast", "naive",
                                   "linear", "gbt", "realised_steps", "forecast_steps"]
    assert len(table) == (result.n_val_origins + result.n_test_origins) * 12
    realised, forecast = (np.stack(list(table[c])) for c in (REALISED_STEPS, FORECAST_STEPS))
    assert realised.shape == forecast.shape == (len(table), 3)  # every step of the horizon
    np.testing.assert_allclose(realised.sum(axis=1), table["realised"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(forecast.sum(axis=1), table["forecast"], rtol=0, atol=1e-12)
    val = (table["split"] == "val").to_numpy()  # the losses, from the file's own columns
    assert result.val_mse == pytest.approx(np.mean((forecast[val] - realised[val]) ** 2))
    assert result.test_mae == pytest.approx(np.mean(np.abs(forecast[~val] - realised[~val])))
    assert result.forecasts == str(tmp_path / "a" / FORECASTS)
    again = rescore(tmp_path / "a" / FORECASTS, cfg.objective.threshold, cfg.objective.bootstrap,
                    cfg.seed)
    for split in ("val", "test"):
        assert again[split].auc == getattr(result, f"{split}_auc")  # exactly
        assert again[split].baselines["naive"].auc == getattr(result, f"naive_{split}_auc")
        assert again[split].baselines["linear"].auc == getattr(result, f"linear_{split}_auc")
        assert again[split].auc_ci.low == getattr(result, f"{split}_auc_low")
        assert (again[split].baselines["linear"].gap.high
                == getattr(result, f"{split}_minus_linear_high"))
        for name in baseline_names():  # every registered baseline, every field
            keys, b = metric_keys(name, split), again[split].baselines[name]
            assert (b.auc, b.ci.low, b.ci.high, b.gap.value, b.gap.low, b.gap.high) == tuple(
                getattr(result, key) for key in keys)
        for loss in LOSSES:  # every loss with its interval, exactly
            ci = again[split].losses[loss]
            assert (ci.value, ci.low, ci.high) == tuple(
                getattr(result, key) for key in loss_keys(loss, split))
            assert ci.low <= ci.value <= ci.high
    threshold = float(table["realised"].median())  # another label: half the changes are "up"
    other = run_trial(compose_cfg([*SMALL, "seed=3", "data.horizon=3",
                                   f"objective.threshold={threshold}"]),
                      output_dir=tmp_path / "b")
    moved = rescore(tmp_path / "a" / FORECASTS, threshold, cfg.objective.bootstrap, cfg.seed)
    assert moved["val"].auc != result.val_auc
    for split in ("val", "test"):
        assert moved[split].auc == getattr(other, f"{split}_auc")
        assert moved[split].losses == again[split].losses  # a loss has no threshold
        for name in baseline_names():
            assert moved[split].baselines[name].auc == getattr(other, f"{name}_{split}_auc")


def test_forecasts_saved_without_their_steps_rescore_without_losses(compose_cfg, tmp_path):
    cfg = compose_cfg([*TINY, "data.horizon=2"])
    result = run_trial(cfg, output_dir=tmp_path)
    path = tmp_path / FORECASTS
    again = rescore(path, cfg.objective.threshold, cfg.objective.bootstrap, cfg.seed)
    pd.read_parquet(path).drop(columns=[REALISED_STEPS, FORECAST_STEPS]).to_parquet(path)
    old = rescore(path, cfg.objective.threshold, cfg.objective.bootstrap, cfg.seed)
    for split in ("val", "test"):
        assert set(again[split].losses) == set(LOSSES) and old[split].losses == {}
        assert old[split].auc == again[split].auc == getattr(result, f"{split}_auc")
        assert old[split].baselines == again[split].baselines

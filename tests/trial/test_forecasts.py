"""Saved forecasts: a trial's forecasts.parquet re-scores to exactly what it reported, and to
what a trial trained with another objective.threshold reports, without training."""

from __future__ import annotations

import pandas as pd

from budget_hpo.trial.baselines import baseline_names, metric_keys
from budget_hpo.trial.forecasts import FORECASTS, rescore
from budget_hpo.trial.run import run_trial
from tests.helpers import SMALL


def test_saved_forecasts_rescore_exactly_and_at_another_threshold(compose_cfg, tmp_path):
    cfg = compose_cfg([*SMALL, "seed=3"])
    result = run_trial(cfg, output_dir=tmp_path / "a")
    table = pd.read_parquet(tmp_path / "a" / FORECASTS)
    assert list(table.columns) == ["split", "origin", "series", "realised", "forecast", "naive",
                                   "linear", "gbt"]
    assert len(table) == (result.n_val_origins + result.n_test_origins) * 12
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
    threshold = float(table["realised"].median())  # another label: half the changes are "up"
    other = run_trial(compose_cfg([*SMALL, "seed=3", f"objective.threshold={threshold}"]),
                      output_dir=tmp_path / "b")
    moved = rescore(tmp_path / "a" / FORECASTS, threshold, cfg.objective.bootstrap, cfg.seed)
    assert moved["val"].auc != result.val_auc
    for split in ("val", "test"):
        assert moved[split].auc == getattr(other, f"{split}_auc")
        for name in baseline_names():
            assert moved[split].baselines[name].auc == getattr(other, f"{name}_{split}_auc")

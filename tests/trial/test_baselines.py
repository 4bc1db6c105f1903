"""The baselines' registry: it names every stored field, a registered baseline reaches every table
and file (no other change), and every baseline is fitted on the training split only."""

from __future__ import annotations

from dataclasses import MISSING, fields
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from budget_hpo.records import TrialRecord
from budget_hpo.report.rescore import rescore_frame, rescore_section
from budget_hpo.report.snapshot import ReportSnapshot, StudySnapshot, TrialSnapshot
from budget_hpo.trial.baselines import (
    Baseline,
    baseline_names,
    gbt_scores,
    get_baseline,
    linear_scores,
    metric_keys,
    metric_names,
    naive_scores,
    register,
    registered,
)
from budget_hpo.trial.forecasts import forecast_table, rescore, write_forecasts
from budget_hpo.trial.result import TrialResult
from budget_hpo.trial.run import prepare_data
from budget_hpo.trial.scoring import Fit, auc_metrics, baseline_fields, split_scores
from tests.helpers import SMALL, compose

FLIP = ("flip_val_auc", "flip_val_auc_low", "flip_val_auc_high", "val_minus_flip",
        "val_minus_flip_low", "val_minus_flip_high")


def reversed_naive(values, splits, horizon, origins):
    """A test's own baseline: the naive forecast with its sign reversed (mean reversion)."""
    return -naive_scores(values, splits, horizon, origins)


@pytest.fixture
def flip():
    """A fourth baseline, registered for one test only."""
    with registered(Baseline("flip", "the naive forecast reversed", "tab:red",
                             reversed_naive)) as baseline:
        yield baseline


def saved_forecasts(folder: Path) -> tuple[dict, Path]:
    """A small trial's scores and forecasts.parquet without training: random model forecasts
    from every origin, the registered baselines' scores beside them."""
    cfg = compose([*SMALL, f"objective.baseline_cache={folder / 'cache'}"])
    panel, splits = prepare_data(cfg)
    cutoffs = splits.train_end - 1 + splits.step * np.arange(splits.n_windows)
    forecasts = np.random.default_rng(0).standard_normal(
        (splits.n_windows, cfg.data.horizon, panel.n_series))
    fit = Fit(forecasts, {int(c): i for i, c in enumerate(cutoffs)}, 0, (), 0.0, 0.0)
    scored = split_scores(cfg, panel, splits, fit)
    return scored, write_forecasts(forecast_table(panel, splits, scored), folder)


def test_the_registry_spells_todays_stored_names():
    assert baseline_names() == ("naive", "linear", "gbt")
    assert tuple(metric_keys("linear", "val")) == (
        "linear_val_auc", "linear_val_auc_low", "linear_val_auc_high", "val_minus_linear",
        "val_minus_linear_low", "val_minus_linear_high")
    assert len(metric_names()) == 2 * 3 * 6
    assert {"naive_test_auc_high", "test_minus_gbt_low", "gbt_val_auc"} <= set(metric_names())


def test_a_name_is_registered_once_and_never_as_a_file_column():
    with pytest.raises(ValueError, match="already registered"):
        register(Baseline("naive", "again", "k", naive_scores))
    for bad in ("forecast", "realised", "Upper", "two words"):
        with pytest.raises(ValueError, match="lower-case identifier"):
            register(Baseline(bad, "bad", "k", naive_scores))
    with pytest.raises(KeyError, match="registered: naive, linear, gbt"):
        get_baseline("arima")
    assert baseline_names() == ("naive", "linear", "gbt")


def test_a_registered_baseline_reaches_records_results_forecasts_and_rescore(flip, tmp_path):
    assert set(FLIP) <= set(metric_names())
    scored, path = saved_forecasts(tmp_path)
    table = pd.read_parquet(path)
    assert list(table.columns)[4:9] == ["forecast", "naive", "linear", "gbt", "flip"]
    realised, scores = scored["val"].realised, scored["val"].scores
    np.testing.assert_array_equal(scores["flip"], -scores["naive"])
    # the saved file re-scores the new baseline to what the trial computed
    cfg = compose(SMALL)
    direct = auc_metrics(realised, scores, cfg.objective.threshold, cfg.objective.bootstrap, 0)
    again = rescore(path, cfg.objective.threshold, cfg.objective.bootstrap, 0)
    assert again["val"].baselines["flip"] == direct.baselines["flip"]
    assert again["val"].baselines["flip"].auc == pytest.approx(1 - direct.baselines["naive"].auc)
    # result.json and the record carry its fields under the generated names
    test = auc_metrics(scored["test"].realised, scored["test"].scores, cfg.objective.threshold,
                       cfg.objective.bootstrap, 0)
    fields_of = {**baseline_fields("val", direct), **baseline_fields("test", test)}
    assert set(FLIP) <= set(fields_of) and len(fields_of) == 2 * 4 * 6
    required = {f.name: 0 for f in fields(TrialResult)
                if f.default is MISSING and f.default_factory is MISSING}
    result = TrialResult(**required, baselines=fields_of)
    assert result.flip_val_auc == direct.baselines["flip"].auc
    assert result.to_dict()["val_minus_flip_high"] == direct.baselines["flip"].gap.high
    assert f"flip {direct.baselines['flip'].auc:.3f}/{test.baselines['flip'].auc:.3f}" in (
        result.summary())
    record = TrialRecord(job_dir="j").with_result(result.to_dict())
    assert record.to_attrs()["val_minus_flip_low"] == direct.baselines["flip"].gap.low
    assert TrialRecord.from_attrs(record.to_attrs()) == record
    assert record.to_row()["flip_test_auc"] == test.baselines["flip"].auc  # a trials.csv cell
    # --rescore's table: the new baseline's columns beside the others
    trial = TrialSnapshot(0, "COMPLETE", 0.5, {}, record=TrialRecord(seed=0, forecasts=str(path)))
    snapshot = ReportSnapshot((StudySnapshot("s", "maximize", (trial,)),), "", "",
                              datetime.now())
    rescored = rescore_frame(snapshot, cfg.objective)
    assert set(FLIP) <= set(rescored.columns)
    assert rescored.loc[0, "flip_val_auc"] == again["val"].baselines["flip"].auc
    section = "\n".join(rescore_section(rescored.assign(budget="2M", style="deep", number=0),
                                        snapshot, cfg.objective))
    assert "| val − flip [95% CI] | val − gbt [95% CI] | val − linear [95% CI] |" in section
    assert f"{again['val'].baselines['flip'].gap.value:+.4f}" in section


def test_a_forecasts_file_from_before_a_baseline_rescores_the_ones_it_has(tmp_path):
    _, path = saved_forecasts(tmp_path)
    pd.read_parquet(path).drop(columns=["gbt"]).to_parquet(path, index=False)
    cfg = compose(SMALL)
    again = rescore(path, cfg.objective.threshold, cfg.objective.bootstrap, 0)
    assert set(again["test"].baselines) == {"naive", "linear"}


@pytest.mark.slow
@pytest.mark.parametrize("name", baseline_names())
def test_every_baseline_is_fitted_on_the_training_split_only(name):
    """Scores from origins before the validation split do not move when every later value
    changes (a fit that saw validation or test data would move them); changing the training
    data moves a fitted baseline's scores (so the check can fail)."""
    cfg = compose(SMALL)
    panel, splits = prepare_data(cfg)
    values, horizon = panel.values[: splits.length], cfg.data.horizon
    origins = np.arange(splits.train_end - 30, splits.train_end)  # inputs all in training
    scores = get_baseline(name).scores
    before = scores(values, splits, horizon, origins)
    later = values.copy()
    later[splits.train_end:] = 5 * np.random.default_rng(1).standard_normal(
        later[splits.train_end:].shape)
    np.testing.assert_array_equal(scores(later, splits, horizon, origins), before)
    if name != "naive":  # a fitted baseline: its fit follows the training data
        early = values.copy()
        early[: splits.train_end - 40] *= -1
        assert not np.allclose(scores(early, splits, horizon, origins), before)


@pytest.mark.slow
def test_gbt_is_deterministic_and_not_the_ridge():
    cfg = compose(SMALL)
    panel, splits = prepare_data(cfg)
    values, origins = panel.values[: splits.length], splits.val_origins
    first = gbt_scores(values, splits, 1, origins)
    np.testing.assert_array_equal(gbt_scores(values, splits, 1, origins), first)
    assert first.shape == (len(origins), panel.n_series)
    assert not np.allclose(first, linear_scores(values, splits, 1, origins))

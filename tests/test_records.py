"""A trial's record: its baseline metrics keep their stored names, one user attribute each."""

from __future__ import annotations

import pytest

from budget_hpo.records import TrialRecord

STORED = {"forced": True, "val_auc": 0.7, "naive_val_auc": 0.5, "val_minus_linear_low": -0.02,
          "gbt_test_auc_high": 0.9, "someone_elses": 1, "arima_val_auc": 0.6}


def test_baseline_metrics_round_trip_under_their_stored_names():
    record = TrialRecord.from_attrs(STORED)
    assert record.naive_val_auc == 0.5 and record.val_minus_linear_low == -0.02
    assert record.gbt_test_auc_high == 0.9 and record.val_auc == 0.7
    assert record.linear_test_auc is None  # registered, not recorded
    assert record.to_attrs() == {k: v for k, v in STORED.items()
                                 if k not in ("someone_elses", "arima_val_auc")}
    with pytest.raises(AttributeError):
        _ = record.arima_val_auc  # not a registered baseline


def test_with_result_takes_the_measured_baselines_and_keeps_how_it_ran():
    record = TrialRecord(forced=True, job_dir="j", baselines={"naive_val_auc": 0.1})
    updated = record.with_result({"forced": False, "job_dir": "x", "val_auc": 0.7,
                                  "naive_val_auc": 0.5, "test_minus_gbt": 0.03})
    assert (updated.forced, updated.job_dir, updated.val_auc) == (True, "j", 0.7)
    assert updated.naive_val_auc == 0.5 and updated.test_minus_gbt == 0.03


def test_trials_csv_has_a_column_for_every_baseline_metric_in_row_order():
    columns = TrialRecord.columns()
    row = TrialRecord.from_attrs(STORED).to_row()
    assert list(row) == columns and "baselines" not in columns
    assert {"naive_val_auc", "val_minus_gbt_high", "linear_test_auc_low"} <= set(columns)
    assert row["gbt_test_auc_high"] == 0.9 and row["val_minus_gbt"] is None

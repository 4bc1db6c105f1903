"""A trial's record: its losses and baseline metrics keep their stored names, one user attribute
each."""

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
    assert record.arima_val_auc == 0.6  # a baseline registered elsewhere is kept, by its name
    assert record.to_attrs() == {k: v for k, v in STORED.items() if k != "someone_elses"}
    with pytest.raises(AttributeError):
        _ = record.naive_val_acu  # not a metric's name


def test_with_result_takes_the_measured_baselines_and_keeps_how_it_ran():
    record = TrialRecord(forced=True, job_dir="j", baselines={"naive_val_auc": 0.1})
    updated = record.with_result({"forced": False, "job_dir": "x", "val_auc": 0.7,
                                  "naive_val_auc": 0.5, "test_minus_gbt": 0.03})
    assert (updated.forced, updated.job_dir, updated.val_auc) == (True, "j", 0.7)
    assert updated.naive_val_auc == 0.5 and updated.test_minus_gbt == 0.03


def test_trials_csv_rows_hold_the_fixed_fields_then_every_recorded_baseline_metric():
    columns = TrialRecord.columns()
    row = TrialRecord.from_attrs(STORED).to_row()
    assert list(row)[: len(columns)] == columns and "baselines" not in columns
    assert row["gbt_test_auc_high"] == 0.9 and row["val_minus_linear_low"] == -0.02


LOSS_FIELDS = [f"{split}_{loss}{end}" for split in ("val", "test") for loss in ("mse", "mae")
               for end in ("", "_low", "_high")]


def test_losses_round_trip_under_their_stored_names_and_always_have_their_columns():
    losses = {"val_mse": 1.5, "val_mse_low": 1.2, "test_mae_high": 0.9}
    record = TrialRecord.from_attrs({**STORED, **losses})
    assert (record.val_mse, record.val_mse_low, record.test_mae_high) == (1.5, 1.2, 0.9)
    assert record.test_mse is None  # a loss, not recorded
    assert record.to_attrs() == {k: v for k, v in {**STORED, **losses}.items()
                                 if k != "someone_elses"}
    assert TrialRecord.from_attrs(record.to_attrs()) == record
    columns = TrialRecord.columns()
    assert columns[-len(LOSS_FIELDS):] == LOSS_FIELDS  # trials.csv: a column each, in this order
    row = TrialRecord.from_attrs(STORED).to_row()  # a trial recorded before losses were
    assert [row[k] for k in LOSS_FIELDS] == [None] * len(LOSS_FIELDS)
    updated = TrialRecord(job_dir="j", losses={"val_mse": 9.0, "val_mae": 3.0}).with_result(
        {"val_mse": 1.0, "test_mae": 0.5, "val_mse_mid": 7})
    assert (updated.val_mse, updated.val_mae, updated.test_mae) == (1.0, 3.0, 0.5)
    with pytest.raises(AttributeError):
        _ = updated.val_mse_mid  # not a loss's name


def test_a_trials_result_json_lands_in_its_attributes_with_every_baseline(tmp_path):
    import json

    import optuna

    from budget_hpo.search.study import record_result

    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    (tmp_path / "result.json").write_text(json.dumps(
        {"val_auc": 0.7, "naive_val_auc": 0.5, "val_minus_gbt_high": 0.1, "lr": 1e-3}))
    record = record_result(trial, tmp_path)
    attrs = study.trials[0].user_attrs
    assert attrs["naive_val_auc"] == 0.5 and attrs["val_minus_gbt_high"] == 0.1
    assert attrs["job_dir"] == str(tmp_path) and record.val_auc == attrs["val_auc"] == 0.7

"""Training curves through Lightning's own loggers: a real trial with logger=csv, tensorboard
and mlflow writes its training loss where the README says, named and tagged."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.trial.run import run_trial
from budget_hpo.trial.tracking import RunInfo
from tests.helpers import SMALL

STEPS = ["trainer.max_steps=20", "logger.every_n_steps=5"]


@pytest.mark.slow
def test_csv_logger_writes_one_row_per_logged_step_with_tags(compose_cfg, tmp_path):
    cfg = compose_cfg([*SMALL, *STEPS, "logger=csv", "search.forced_id=G1-750k-shallow"])
    result = run_trial(cfg, output_dir=tmp_path, run=RunInfo("budget-hpo-phase1-x", 7))
    metrics = pd.read_csv(tmp_path / "curves" / "metrics.csv")
    steps = metrics.dropna(subset=["train_loss_step"])["step"].tolist()
    assert steps == [4, 9, 14, 19]  # every logger.every_n_steps training steps
    assert metrics["train_loss_epoch"].notna().sum() == 20  # one step per epoch: every step
    assert not metrics.duplicated(["step", "train_loss_step", "train_loss_epoch"]).any()
    tags = (tmp_path / "curves" / "hparams.yaml").read_text()
    assert "budget: 750k" in tags and "style: shallow" in tags and "G1-750k-shallow" in tags
    assert result.curves == str(tmp_path / "curves")
    assert json.loads((tmp_path / "result.json").read_text())["curves"] == result.curves


def test_csv_logger_with_a_shared_folder_names_runs_by_study_and_trial(compose_cfg, tmp_path):
    cfg = compose_cfg([*SMALL, "logger=csv", f"logger.save_dir={tmp_path}/curves"])
    run_trial(cfg, output_dir=tmp_path / "job", run=RunInfo("budget-hpo-phase1-x", 3))
    assert (tmp_path / "curves" / "budget-hpo-phase1-x" / "3" / "metrics.csv").is_file()


@pytest.mark.slow
def test_tensorboard_logger_writes_an_event_file(compose_cfg, tmp_path):
    result = run_trial(compose_cfg([*SMALL, *STEPS, "logger=tensorboard"]), output_dir=tmp_path)
    events = list((tmp_path / "curves").glob("events.out.tfevents.*"))
    assert len(events) == 1 and events[0].stat().st_size > 100
    assert result.curves == str(tmp_path / "curves")


@pytest.mark.slow
def test_mlflow_logger_records_a_named_tagged_run(compose_cfg, tmp_path):
    mlflow = pytest.importorskip("mlflow")  # the test extra installs it: it runs in CI
    uri = f"sqlite:///{tmp_path}/mlruns/mlflow.db"
    cfg = compose_cfg([*SMALL, *STEPS, "logger=mlflow", f"logger.tracking_uri={uri}"])
    result = run_trial(cfg, output_dir=tmp_path / "job", run=RunInfo("budget-hpo-phase1-x", 2))
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    (run,) = client.search_runs(
        [client.get_experiment_by_name("budget-hpo-phase1-x").experiment_id])
    assert run.info.run_name == "budget-hpo-phase1-x/2" and run.data.tags["budget"] == "750k"
    assert len(client.get_metric_history(run.info.run_id, "train_loss_step")) == 4
    assert run.info.run_id in (result.curves or "")


def test_no_logger_writes_no_curves(compose_cfg, tmp_path):
    result = run_trial(compose_cfg(SMALL), output_dir=tmp_path)
    assert result.curves is None and not (tmp_path / "curves").exists()


def test_an_unknown_logger_is_refused_before_training(compose_cfg):
    cfg = compose_cfg(SMALL)
    cfg.logger.name = "wandb"
    with pytest.raises(ConfigError, match=r"^logger=wandb: invalid; allowed: none \| csv"):
        run_trial(cfg)

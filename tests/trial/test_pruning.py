"""Pruning: the intermediate objective is the model's real validation forecast; pruned trials are
recorded PRUNED and take no part in the early-stop rule."""

from __future__ import annotations

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState, create_trial

from budget_hpo.errors import ConfigError
from budget_hpo.schema import EarlyStopConfig
from budget_hpo.search.pruners import make_pruner
from budget_hpo.search.study import update_early_stop
from budget_hpo.trial.data import load_panel
from budget_hpo.trial.evaluation import make_splits
from budget_hpo.trial.models import build_model
from budget_hpo.trial.pruning import validation_forecast
from budget_hpo.trial.validation import check_config
from tests.helpers import NO_REPORT, SMALL, run_app

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["itransformer", "patchtst"])
def test_validation_forecast_equals_neuralforecast_predictions(compose_cfg, model):
    from neuralforecast import NeuralForecast

    cfg = compose_cfg([*SMALL, f"model={model}", "trainer.max_steps=5"])
    arch = check_config(cfg)
    panel = load_panel(cfg.data)
    splits = make_splits(panel.length, 1, 60, 60, 6)
    values = panel.values[: splits.length]
    nf = NeuralForecast(models=[build_model(cfg, arch, panel.n_series)], freq=1)
    frame = panel.long()
    cv = nf.cross_validation(frame[frame["ds"] < splits.length], n_windows=splits.n_windows,
                             step_size=splits.step, refit=False)
    column = cv.columns[-2] if cv.columns[-1] == "y" else cv.columns[-1]
    expected = cv.pivot(index="cutoff", columns="unique_id", values=column).loc[
        splits.val_origins, list(panel.ids)].to_numpy()
    got = validation_forecast(nf.models[0], values, splits.val_origins, 64)
    assert got.shape == (len(splits.val_origins), 1, panel.n_series)
    np.testing.assert_allclose(got[:, 0, :], expected, rtol=1e-4, atol=1e-5)


def test_pruned_trials_take_no_part_in_the_early_stop_rule():
    study = optuna.create_study(direction="maximize")
    dist = {"x": FloatDistribution(0, 1)}
    for value in (0.60, 0.62, 0.70):
        study.add_trial(create_trial(params={"x": 0.1}, distributions=dist, value=value))
    for value in (0.71, 0.71):  # pruned trials with good intermediate values
        study.add_trial(create_trial(params={"x": 0.2}, distributions=dist,
                                     state=TrialState.PRUNED, intermediate_values={10: value}))
    rule = EarlyStopConfig(enabled=True, patience=4, threshold=0.05, top_k=2)
    verdict = update_early_stop(study, rule, "maximize")
    assert verdict.n_complete == 3 and not verdict.converged and "early_stop" not in study.user_attrs


def test_pruner_choices_and_bad_name():
    assert isinstance(make_pruner("median", 50, 300), optuna.pruners.MedianPruner)
    assert isinstance(make_pruner("hyperband", 50, 300), optuna.pruners.HyperbandPruner)
    assert isinstance(make_pruner("threshold", 50, 300, 0.5), optuna.pruners.ThresholdPruner)
    assert isinstance(make_pruner("none", 50, 300), optuna.pruners.NopPruner)
    with pytest.raises(ConfigError, match="search.pruner=asha"):
        make_pruner("asha", 50, 300)


@pytest.mark.slow
def test_a_pruned_job_is_recorded_pruned_and_the_sweep_goes_on(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    args = ["-m", "search=phase1", "search.budgets=[750k]", "hydra.sweeper.n_trials=3",
            f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp_path}/sweep",
            f"search.phase2.config_dir={tmp_path}/gen", *SMALL, "trainer.max_steps=12",
            "search.pruner=threshold", "search.prune_threshold=1.01", "search.prune_every=4",
            "logger=csv", NO_REPORT]
    proc = run_app(args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    study = optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=storage)
    assert [t.state for t in study.trials] == [TrialState.PRUNED] * 3
    for trial in study.trials:
        assert list(trial.intermediate_values) == [4]  # reported at the first check, then stopped
        assert 0.0 <= trial.intermediate_values[4] <= 1.0
        assert trial.user_attrs["steps_done"] == 4 and "pruned at step 4" in trial.user_attrs["pruned"]
    assert "early_stop" not in study.user_attrs
    for trial in study.trials:  # the curves hold the objective the pruner was given
        metrics = pd.read_csv(tmp_path / "sweep" / str(trial.number) / "curves" / "metrics.csv")
        (row,) = metrics.dropna(subset=["val_objective"]).itertuples()
        assert row.step == 4 and row.val_objective == trial.intermediate_values[4]

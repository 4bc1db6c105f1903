"""Checkpoints: with search.artifacts.checkpoints_top_k, a real phase keeps its best trials'
models in Optuna's artifact store, and a stored model rebuilds and forecasts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from budget_hpo.schema import ArtifactsConfig
from budget_hpo.search.artifacts import checkpoint_of, stored
from budget_hpo.trial.checkpoint import CHECKPOINT, load_model
from budget_hpo.trial.pruning import validation_forecast
from tests.helpers import NO_REPORT
from tests.search.test_faults import run as run_sweep
from tests.search.test_faults import study as load_phase

pytestmark = pytest.mark.slow


def test_the_best_checkpoint_is_stored_and_rebuilds_the_model(tmp_path):
    settings = ArtifactsConfig(checkpoints_top_k=1, dir=str(tmp_path / "artifacts"))
    assert run_sweep(tmp_path, extra=["model=itransformer",  # the tiny fixture has no weights
                                      "search.artifacts.checkpoints_top_k=1",
                                      f"search.artifacts.dir={settings.dir}",
                                      "search.replicates.seeds=1", NO_REPORT]) == 0
    study = load_phase(tmp_path)
    assert list(stored(study)) == [study.best_trial.number]  # the best one, once
    assert len(list((tmp_path / "artifacts").rglob("*"))) >= 1
    assert not list((tmp_path / "sweep").rglob(CHECKPOINT))  # no local copy left behind
    path = checkpoint_of(study, study.best_trial.number, settings, tmp_path / "best.ckpt")
    model, cfg = load_model(path)
    saved = torch.load(path, map_location="cpu", weights_only=False)["state_dict"]
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    assert cfg.budget.name == study.best_trial.params["budget"]
    values = np.random.default_rng(0).standard_normal((200, 12))
    forecast = validation_forecast(model, values, np.arange(100, 110), cfg.model.input_size)
    assert forecast.shape == (10, 1, 12) and np.isfinite(forecast).all()
    with pytest.raises(KeyError, match="no stored checkpoint"):
        worst = min(study.trials, key=lambda t: t.value).number
        checkpoint_of(study, worst, settings, tmp_path / "worst.ckpt")

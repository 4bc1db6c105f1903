"""The tiny fixture model (``model=tiny``) goes through a trial exactly as a real model does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from budget_hpo.errors import TrialFailed
from budget_hpo.trial.run import run_trial
from tests.helpers import TINY

ROOT = Path(__file__).resolve().parents[2]


def test_a_tiny_trial_is_scored_and_written_like_a_real_one(compose_cfg, tmp_path):
    result = run_trial(compose_cfg(TINY), output_dir=tmp_path)
    assert result.model == "tiny" and (result.d_model, result.n_layers) == (192, 2)
    assert result.params_exact == 64 + 1  # input_size weights and a bias for one step ahead
    assert result.n_val_origins == 10 and result.n_test_origins == 10
    assert result.val_auc_low <= result.val_auc <= result.val_auc_high
    assert result.objective_value == result.val_auc and result.train_steps == 3
    written = json.loads((tmp_path / "result.json").read_text())
    assert written["val_auc"] == result.val_auc and (tmp_path / "forecasts.parquet").is_file()


@pytest.mark.slow
def test_a_tiny_trial_imports_neither_torch_nor_neuralforecast():
    code = ("import sys; from tests.helpers import TINY, compose; "
            "from budget_hpo.trial.run import run_trial; run_trial(compose(TINY)); "
            "print(sorted(m for m in ('torch', 'pytorch_lightning', 'neuralforecast') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_the_tiny_model_depends_on_seed_and_regularisation_and_can_diverge(compose_cfg):
    first = run_trial(compose_cfg([*TINY, "trainer.max_steps=50"]))
    again = run_trial(compose_cfg([*TINY, "trainer.max_steps=50"]))
    other = run_trial(compose_cfg([*TINY, "trainer.max_steps=50", "seed=1"]))
    faster = run_trial(compose_cfg([*TINY, "trainer.max_steps=50", "regularization.lr=1e-2"]))
    assert first.val_auc == again.val_auc
    assert first.val_auc != other.val_auc and first.val_auc != faster.val_auc
    with pytest.raises(TrialFailed, match="diverged"):
        run_trial(compose_cfg([*TINY, "regularization.lr=1e30", "trainer.max_steps=5",
                               "regularization.weight_decay=0"]))


def test_the_tiny_model_reports_to_a_pruner(compose_cfg):
    from budget_hpo.search.pruners import TrialReporter

    reported: list[tuple[int, float]] = []

    class Trial:  # stands in for optuna.Trial
        number = 0

        def report(self, value: float, step: int) -> None:
            reported.append((step, value))

        def set_user_attr(self, key: str, value: object) -> None:
            pass

        def should_prune(self) -> bool:
            return len(reported) >= 2

    import optuna

    with pytest.raises(optuna.TrialPruned):
        run_trial(compose_cfg([*TINY, "trainer.max_steps=40"]), reporter=TrialReporter(Trial(), 10))
    assert [step for step, _ in reported] == [10, 20]
    assert all(0.0 <= value <= 1.0 for _, value in reported)

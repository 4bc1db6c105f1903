"""The app as a user runs it: one trial, and bad input rejected in one line.

The console script runs as a real subprocess where the entry point itself is under test; the
other cases run the same ``main`` in this process (:func:`tests.helpers.run_app`).
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from tests.helpers import TINY, run_app, run_cli


@pytest.mark.slow
def test_budget_hpo_runs_a_trial_and_writes_result_json(tmp_path):
    """The console script as a real process, on the tiny model (the wheel's test runs the real
    iTransformer through it)."""
    proc = run_cli("budget-hpo", [*TINY, f"hydra.run.dir={tmp_path}/run"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    summary = [line for line in proc.stdout.splitlines() if "val_auc=" in line]
    assert len(summary) == 1
    line = summary[0]
    for piece in ("750k/shallow", "d_model=192", "n_layers=2", "n_heads=4",
                  f"params={result['params_exact']:,}", f"val_auc={result['val_auc']:.4f}",
                  f"test_auc={result['test_auc']:.4f}", "wall="):
        assert piece in line, piece
    assert (tmp_path / "run" / ".hydra" / "config.yaml").exists()


@pytest.mark.slow
def test_task_returns_the_objective_to_a_sweeper(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run_app(
        ["-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=1", "hydra.sweeper.direction=maximize",
         f"hydra.sweep.dir={sweep}", *TINY],
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    best = yaml.safe_load((sweep / "optimization_results.yaml").read_text())["best_value"]
    result = json.loads((sweep / "0" / "result.json").read_text())
    assert best == pytest.approx(result["val_auc"])


BAD = [
    (["budget=fast"], "budget", "fast", "a parameter count such as 750k"),
    (["style=wide"], "style", "wide", "deep | shallow"),
    (["regularization=strong"], "regularization", "strong", "dropout_low"),
    (["model=lstm"], "model", "lstm", "itransformer | patchtst"),
    (["data=excel"], "data", "excel", "csv | synthetic"),
    (["regularization.dropout=1.0"], "regularization.dropout", "1.0", "0 <= dropout < 1"),
    (["regularization.dropout=-0.1"], "regularization.dropout", "-0.1", "0 <= dropout < 1"),
    (["regularization.lr=0"], "regularization.lr", "0.0", "lr > 0"),
    (["regularization.weight_decay=-0.01"], "regularization.weight_decay", "-0.01", ">= 0"),
    (["model.n_heads=7"], "model.n_heads", "7", "divisor of d_model=192"),
    (["model.batch_size=0"], "model.batch_size", "0", ">= 1"),
    (["data=csv", "data.path=missing.csv"], "data.path", "missing.csv", "not found"),
    # a value the schema's type cannot take: one line before Hydra, not Hydra's several
    (["search.report=maybe"], "search.report", "maybe", "true or false"),
    (["trainer.max_steps=lots"], "trainer.max_steps", "lots", "an integer"),
    (["regularization.lr=fast"], "regularization.lr", "fast", "a number"),
]


def assert_one_line_refusal(proc, key: str, value: str, allowed: str) -> None:
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert re.search(rf"\b{re.escape(key)}={re.escape(value)}\b", lines[0]), lines[0]
    assert allowed in lines[0]


@pytest.mark.parametrize(("args", "key", "value", "allowed"), BAD, ids=[" ".join(b[0]) for b in BAD])
def test_bad_input_is_one_line_and_nothing_trains(tmp_path, args, key, value, allowed):
    proc = run_app([*args, f"hydra.run.dir={tmp_path}/run"], cwd=tmp_path)
    assert_one_line_refusal(proc, key, value, allowed)
    assert not list(tmp_path.rglob("result.json"))


@pytest.mark.parametrize("index", [0, 5], ids=["before Hydra", "in the app"])
def test_the_console_script_refuses_bad_input_in_one_line(tmp_path, index):
    args, key, value, allowed = BAD[index]
    proc = run_cli("budget-hpo", [*args, f"hydra.run.dir={tmp_path}/run"], cwd=tmp_path, timeout=60)
    assert_one_line_refusal(proc, key, value, allowed)
    assert not list(tmp_path.rglob("result.json"))


@pytest.mark.slow
def test_largest_budget_composes_and_trains_at_smoke_scale(tmp_path):
    args = ["budget=200M", "style=deep", "regularization=lr_low", "trainer=smoke",
            "trainer.max_steps=1", "data.generator.n_series=8", "data.generator.length=500",
            "data.val_size=40", "data.test_size=40", "trainer.eval_step=8",
            f"hydra.run.dir={tmp_path}/run"]
    proc = run_app(args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads((tmp_path / "run" / "result.json").read_text())
    assert (result["d_model"], result["n_layers"], result["n_heads"]) == (768, 28, 16)
    assert result["lr"] == 1e-5 and 0.95 < result["params_exact"] / 198_180_864 < 1.05


BAD_SWEEP = [
    (["hydra.sweeper.max_failure_rate=0.5"], "hydra.sweeper.max_failure_rate", "0.5",
     "search.max_failure_share"),
    (["hydra.sweeper.n_trials=0"], "hydra.sweeper.n_trials", "0", ">= 1"),
    (["search.early_stop.top_k=1"], "search.early_stop.top_k", "1", ">= 2"),
    (["search.grace_period=5", "search.heartbeat_interval=20"], "search.grace_period", "5", ">= 41"),
]


@pytest.mark.parametrize(("args", "key", "value", "allowed"), BAD_SWEEP,
                         ids=[" ".join(b[0]) for b in BAD_SWEEP])
def test_bad_sweep_settings_are_one_line_before_any_storage(tmp_path, args, key, value, allowed):
    storage = tmp_path / "study.db"
    proc = run_app(["-m", "search=phase1", f"hydra.sweeper.storage=sqlite:///{storage}",
                    f"hydra.sweep.dir={tmp_path}/sweep", *args], cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert f"{key}={value}" in lines[0] and allowed in lines[0]
    assert not storage.exists()  # refused before the storage was touched

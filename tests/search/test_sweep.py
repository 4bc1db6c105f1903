"""Phase 1 as a user runs it: whole Hydra multiruns on a real SQLite study.

The sweeps run in this process through the app's own ``main`` (:func:`tests.helpers.run_app`),
except where a process must die (SIGKILL) or a launcher's worker is killed: those are real
subprocesses. The machinery's tests use the tiny fixture model; the forced configs and TPE train
the real iTransformer (and the demo trains it two at a time under joblib: tests/test_demo.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
import yaml
from optuna.trial import TrialState

from budget_hpo.search.faults import HOLD_TRIAL_ENV, KILL_TRIAL_ENV
from budget_hpo.search.study import counted_trials, stale_numbers
from tests.helpers import NO_REPORT, SMALL, TINY, run_app, run_cli, wait_for

pytestmark = pytest.mark.slow
optuna.logging.set_verbosity(optuna.logging.WARNING)


def sweep_args(tmp: Path, *extra: str, small: list[str] = TINY) -> list[str]:
    return [
        "-m", "search=phase1", f"hydra.sweeper.storage=sqlite:///{tmp}/study.db",
        f"hydra.sweep.dir={tmp}/sweep", f"search.phase2.config_dir={tmp}/generated", *small,
        *extra,
    ]


def load(tmp: Path) -> optuna.Study:
    return optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=f"sqlite:///{tmp}/study.db")


def test_forced_configs_run_first_in_order_then_tpe(tmp_path):
    proc = run_app(sweep_args(tmp_path, "search.budgets=[2M]", "hydra.sweeper.n_trials=11",
                              small=SMALL), cwd=tmp_path)  # the real iTransformer
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = load(tmp_path).trials
    assert len(trials) == 11 and all(t.state == TrialState.COMPLETE for t in trials)
    forced = [t.user_attrs.get("forced_id") for t in trials[:9]]
    assert forced == [
        "G1-2M-shallow", "G1-2M-deep", "G2-dropout-0.1-2M", "G2-dropout-0.3-2M",
        "G2-dropout-0.7-2M", "G3-lr-1e-5-2M", "G3-lr-1e-3-2M", "G4-wd-0-2M", "G4-wd-1e-2-2M",
    ]
    expected = [  # style, d_model, n_layers, dropout, lr, weight decay
        ("shallow", 320, 2, 0.5, 1e-4, 1e-3), ("deep", 192, 5, 0.5, 1e-4, 1e-3),
        ("shallow", 320, 2, 0.1, 1e-4, 1e-3), ("shallow", 320, 2, 0.3, 1e-4, 1e-3),
        ("shallow", 320, 2, 0.7, 1e-4, 1e-3), ("shallow", 320, 2, 0.5, 1e-5, 1e-3),
        ("shallow", 320, 2, 0.5, 1e-3, 1e-3), ("shallow", 320, 2, 0.5, 1e-4, 0.0),
        ("shallow", 320, 2, 0.5, 1e-4, 1e-2),
    ]
    for trial, (style, d, layers, dropout, lr, wd) in zip(trials, expected):
        a, p = trial.user_attrs, trial.params
        assert a["forced"] is True and p["budget"] == "2M" and p["style"] == style == a["style"]
        assert (a["d_model"], a["n_layers"]) == (d, layers)
        assert (p["regularization.dropout"], p["regularization.lr"], p["regularization.weight_decay"]) == (
            pytest.approx(dropout), pytest.approx(lr), pytest.approx(wd))
        assert 0 <= a["val_auc"] <= 1 and 0 <= a["test_auc"] <= 1 and a["wall_time_s"] > 0
        assert a["params_exact"] > 2_000_000 and trial.value == pytest.approx(a["val_auc"])
    for trial in trials[9:]:
        assert trial.user_attrs["forced"] is False and trial.params["budget"] == "2M"
        assert "forced_id" not in trial.user_attrs
    # the plugin's TPE defaults are overridden, and the forced trials are the start-up trials
    assert "TPESampler(n_startup_trials=9, multivariate=True, constant_liar=True" in proc.stdout + proc.stderr
    assert sorted(p.name for p in (tmp_path / "sweep").iterdir() if p.name.isdigit()) == sorted(
        str(i) for i in range(11))
    assert (tmp_path / "sweep" / "report" / "summary.md").exists()
    generated = list((tmp_path / "generated" / "search" / "budget-hpo-phase1-synthetic").glob("phase2_*.yaml"))
    assert len(generated) == 1  # one budget, namespaced by the phase-1 study


def test_loose_threshold_stops_the_study_early_and_records_why(tmp_path):
    args = sweep_args(tmp_path, NO_REPORT, "search.budgets=[750k]", "hydra.sweeper.n_trials=12",
                      "search.early_stop.patience=3", "search.early_stop.top_k=2",
                      "search.early_stop.threshold=1.0")
    proc = run_app(args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    study = load(tmp_path)
    assert len(study.trials) == 3
    stop = study.user_attrs["early_stop"]
    assert stop["n_complete"] == 3 and stop["top_k"] == 2 and 0 <= stop["spread"] <= 1.0
    assert "early stop" in proc.stdout + proc.stderr
    results = yaml.safe_load((tmp_path / "sweep" / "optimization_results.yaml").read_text())
    assert results["early_stop"]["n_complete"] == 3
    # rerunning a converged study launches nothing more
    again = run_app(args, cwd=tmp_path)
    assert again.returncode == 0 and len(load(tmp_path).trials) == 3
    # the verdict follows the rule in force: a higher patience continues the study
    more = run_app([*args, "search.early_stop.patience=5"], cwd=tmp_path)
    assert more.returncode == 0, more.stderr[-3000:]
    assert len(load(tmp_path).trials) == 5


def test_sigkill_mid_sweep_then_rerun_resumes_without_loss_or_duplicates(tmp_path):
    args = sweep_args(tmp_path, NO_REPORT, "search.budgets=[750k]", "hydra.sweeper.n_trials=5",
                      "search.early_stop.patience=100", "search.heartbeat_interval=1",
                      "search.grace_period=3")
    exe = Path(sys.executable).with_name("budget-hpo")
    env = {**os.environ, HOLD_TRIAL_ENV: f"2@{tmp_path}/never"}  # trial 2 runs until killed
    proc = subprocess.Popen([str(exe), *args], cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        wait_for(lambda: (tmp_path / "sweep" / "2").is_dir()
                 and load(tmp_path).trials[2].state == TrialState.RUNNING,
                 "the sweep to reach trial 2", timeout=300)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first_job = (tmp_path / "sweep" / "0" / "result.json").read_text()
    assert load(tmp_path).trials[2].state == TrialState.RUNNING  # left behind by the kill

    rerun = run_app(args, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    study = load(tmp_path)
    trials = study.trials
    stale = trials[2]
    assert stale.state == TrialState.FAIL
    retries = [t for t in trials if t.user_attrs.get("retry_of") == 2]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == stale.params and stale.user_attrs["stale"] is True
    assert stale_numbers(study) == {2}
    counted = counted_trials(study)
    assert len(counted) == 5 and all(t.state == TrialState.COMPLETE for t in counted)
    forced_ids = [t.user_attrs["forced_id"] for t in counted if t.user_attrs.get("forced")]
    assert sorted(forced_ids) == ["G1-750k-deep", "G1-750k-shallow"]
    # job folders are numbered by trial: the first run's folders are never overwritten
    assert (tmp_path / "sweep" / "0" / "result.json").read_text() == first_job
    assert (tmp_path / "sweep" / str(retries[0].number) / "result.json").exists()


def _failing_forced_config(tmp: Path) -> Path:
    conf = tmp / "extra_conf"
    (conf / "forced").mkdir(parents=True)
    (conf / "regularization").mkdir()
    (conf / "regularization" / "explode.yaml").write_text(
        "name: explode\ndropout: 0.1\nlr: 1.0e+30\nweight_decay: 0.0\n")
    (conf / "forced" / "with_failure.yaml").write_text(
        "name: with_failure\nstyle: shallow\nconfigs:\n"
        "  - {id: G1-750k-shallow, budget: 750k, style: shallow, regularization: default}\n"
        "  - {id: X-explode-750k, budget: 750k, regularization: explode}\n"
        "  - {id: G1-750k-deep, budget: 750k, style: deep, regularization: default}\n")
    return conf


def test_a_failing_trial_is_recorded_with_its_reason_and_the_sweep_goes_on(tmp_path):
    conf = _failing_forced_config(tmp_path)
    args = ["--config-dir", str(conf),
            *sweep_args(tmp_path, NO_REPORT, "forced=with_failure", "search.budgets=[750k]",
                        "hydra.sweeper.n_trials=4", "trainer.max_steps=5")]
    proc = run_app(args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = load(tmp_path).trials
    assert [t.user_attrs.get("forced_id") for t in trials[:3]] == [
        "G1-750k-shallow", "X-explode-750k", "G1-750k-deep"]
    failed = trials[1]
    assert failed.state == TrialState.FAIL and "diverged" in failed.user_attrs["fail_reason"]
    assert [t.state for t in trials] == [TrialState.COMPLETE, TrialState.FAIL,
                                         TrialState.COMPLETE, TrialState.COMPLETE]


def test_sweep_aborts_when_the_failure_share_passes_the_limit(tmp_path):
    args = sweep_args(tmp_path, NO_REPORT, "search.budgets=[750k]", "hydra.sweeper.n_trials=6",
                      "model.n_heads=5", "search.min_trials_before_abort=2",
                      "search.max_failure_share=0.5")
    proc = run_app(args, cwd=tmp_path)
    assert proc.returncode != 0
    assert "sweep aborted" in proc.stdout + proc.stderr
    trials = load(tmp_path).trials
    assert len(trials) == 2 and all(t.state == TrialState.FAIL for t in trials)
    assert all("model.n_heads=5" in t.user_attrs["fail_reason"] for t in trials)


def job_span(job: Path) -> tuple[float, float]:
    """When a job started (Hydra writes its ``.hydra/config.yaml`` first) and ended (the trial
    writes ``result.json`` last)."""
    return (job / ".hydra" / "config.yaml").stat().st_mtime, (job / "result.json").stat().st_mtime


def test_joblib_launcher_runs_two_trials_at_a_time(tmp_path):
    """The tiny model (the real iTransformer in joblib's processes: tests/test_demo.py)."""
    args = sweep_args(tmp_path, NO_REPORT, "search.budgets=[750k]", "hydra.sweeper.n_trials=4",
                      "hydra/launcher=joblib", "hydra.sweeper.n_jobs=2")
    # a tiny trial takes well under a second, and one worker may start long before the other:
    # each job of a batch waits until its mate's job has started (Hydra has written its
    # config), which it never would if the launcher ran them one at a time
    started = {n: tmp_path / "sweep" / str(n) / ".hydra" / "config.yaml" for n in range(4)}
    hold = {HOLD_TRIAL_ENV: ",".join(f"{n}@{started[n ^ 1]}" for n in range(4))}
    proc = run_app(args, cwd=tmp_path, env=hold)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = load(tmp_path).trials
    assert len(trials) == 4 and all(t.state == TrialState.COMPLETE for t in trials)
    assert [t.user_attrs.get("forced_id") for t in trials[:2]] == ["G1-750k-shallow", "G1-750k-deep"]
    assert "Joblib" in proc.stdout + proc.stderr
    for pair in ((0, 1), (2, 3)):  # each batch's two jobs ran at the same time: they overlap
        (start_a, end_a), (start_b, end_b) = (job_span(tmp_path / "sweep" / str(n)) for n in pair)
        assert start_a < end_b and start_b < end_a, pair


def test_a_joblib_worker_killed_mid_batch_is_a_fail_trial_and_its_batch_mate_completes(tmp_path):
    args = sweep_args(tmp_path, NO_REPORT, "search.budgets=[750k]", "hydra.sweeper.n_trials=3",
                      "hydra/launcher=joblib", "hydra.sweeper.n_jobs=2",
                      "search.early_stop.enabled=false")
    mate = tmp_path / "sweep" / "0" / "result.json"  # trial 1's worker dies once trial 0 is done
    proc = run_cli("budget-hpo", args, cwd=tmp_path, timeout=600,
                   env={KILL_TRIAL_ENV: f"1@{mate}"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = load(tmp_path).trials
    assert trials[0].state == TrialState.COMPLETE and trials[0].value is not None
    assert trials[1].state == TrialState.FAIL
    assert "launcher failed" in trials[1].user_attrs["fail_reason"]
    assert "TerminatedWorkerError" in trials[1].user_attrs["fail_reason"]
    assert trials[2].state == TrialState.COMPLETE  # the sweep went on

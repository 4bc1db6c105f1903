"""Seed replicates: the best configs rerun with further seeds when a phase ends, in their own
study: once, resumable after a kill, and outside n_trials, the early stop and TPE's history
(sweeps of the tiny fixture model, as in test_faults)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from budget_hpo.records import NoiseRecord, TrialRecord
from budget_hpo.search.study import counted_trials, stale_numbers
from tests.helpers import NO_REPORT
from tests.search.test_faults import run as run_sweep
from tests.search.test_faults import wait_until_stale

pytestmark = pytest.mark.slow
optuna.logging.set_verbosity(optuna.logging.WARNING)


def studies(tmp: Path) -> tuple[optuna.Study, optuna.Study]:
    storage = f"sqlite:///{tmp}/study.db"
    return (optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=storage),
            optuna.load_study(study_name="budget-hpo-phase1-synthetic-replicates", storage=storage))


def test_replicates_run_once_survive_a_kill_and_stay_out_of_the_phase(tmp_path):
    replicates = ["search.replicates.seeds=1", "search.replicates.top_k=2", NO_REPORT]
    assert run_sweep(tmp_path, extra=["search.replicates.seeds=0", NO_REPORT]) == 0  # phase alone
    assert run_sweep(tmp_path, kill_at="after_ask", extra=replicates) == -signal.SIGKILL
    wait_until_stale(tmp_path, study_name="budget-hpo-phase1-synthetic-replicates")
    assert run_sweep(tmp_path, extra=replicates) == 0, (tmp_path / "log.txt").read_text()[-3000:]
    phase, reps = studies(tmp_path)
    assert len(counted_trials(phase)) == 3 and len(phase.trials) == 3  # n_trials untouched
    assert "early_stop" not in phase.user_attrs
    counted = counted_trials(reps)
    assert len(counted) == 2 and all(t.state == TrialState.COMPLETE for t in counted)
    assert len(stale_numbers(reps)) == 1  # the killed one, retried
    best_two = sorted(phase.trials, key=lambda t: -t.value)[:2]
    records = [TrialRecord.from_attrs(t.user_attrs) for t in counted]
    assert sorted(r.replicate_of for r in records) == sorted(t.number for t in best_two)
    for trial, record in zip(counted, records, strict=True):
        assert record.seed == 1  # the phase's seed (0) plus one; the data unchanged
        assert trial.params == phase.trials[record.replicate_of].params
        result = json.loads((Path(record.job_dir) / "result.json").read_text())
        assert result["seed"] == 1 and "replicates" in record.job_dir
        original = TrialRecord.from_attrs(phase.trials[record.replicate_of].user_attrs)
        assert result["linear_val_auc"] == original.linear_val_auc  # the same data
    # a rerun finds them done: nothing more
    assert run_sweep(tmp_path, extra=replicates) == 0
    assert len(studies(tmp_path)[1].trials) == len(reps.trials)


def test_auto_threshold_measures_the_seed_noise_first_and_the_rule_uses_it(tmp_path):
    auto = ["search.early_stop.enabled=true", "search.early_stop.threshold=auto",
            "search.early_stop.noise_seeds=2", "search.early_stop.noise_factor=1000",
            "search.early_stop.patience=2", "search.early_stop.top_k=2",
            "search.replicates.seeds=1", "search.replicates.top_k=1"]
    assert run_sweep(tmp_path, extra=auto) == 0, (tmp_path / "log.txt").read_text()[-3000:]
    phase, reps = studies(tmp_path)
    noise = NoiseRecord.from_study_attrs(phase.user_attrs)
    assert noise is not None and noise.of == 0 and len(noise.values) == 2
    first = [r for r in (TrialRecord.from_attrs(t.user_attrs) for t in reps.trials)
             if r.replicate_of == 0 and r.seed in (1, 2)]
    assert len(first) == 2  # trial 0 (the first forced config) with seeds 1 and 2
    assert phase.trials[0].user_attrs["forced_id"] == "G1-750k-shallow"
    # a huge factor makes the measured threshold wide: the rule fires at patience, with it
    stop = phase.user_attrs["early_stop"]
    assert stop["threshold"] == pytest.approx(noise.threshold) and stop["n_complete"] == 2
    assert len(counted_trials(phase)) == 2  # n_trials=3, stopped early; the reruns never count
    pairs = [(r.replicate_of, r.seed) for r in
             (TrialRecord.from_attrs(t.user_attrs) for t in reps.trials)]
    assert len(pairs) == len(set(pairs))  # a best trial's seed-1 rerun is never run twice
    summary = next((tmp_path / "sweep").rglob("summary.md")).read_text()
    assert "threshold=auto" in summary

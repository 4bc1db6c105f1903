"""Seed replicates: the best configs rerun with further seeds when a phase ends, in their own
study: once, resumable after a kill, and outside n_trials, the early stop and TPE's history."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from budget_hpo.records import TrialRecord
from budget_hpo.search.study import counted_trials, stale_numbers
from tests.search.test_faults import GRACE
from tests.search.test_faults import run as run_sweep

pytestmark = pytest.mark.slow
optuna.logging.set_verbosity(optuna.logging.WARNING)


def studies(tmp: Path) -> tuple[optuna.Study, optuna.Study]:
    storage = f"sqlite:///{tmp}/study.db"
    return (optuna.load_study(study_name="budget-hpo-phase1", storage=storage),
            optuna.load_study(study_name="budget-hpo-phase1-replicates", storage=storage))


def test_replicates_run_once_survive_a_kill_and_stay_out_of_the_phase(tmp_path):
    replicates = ["search.replicates.seeds=1", "search.replicates.top_k=2"]
    assert run_sweep(tmp_path, extra=["search.replicates.seeds=0"]) == 0  # the phase alone
    assert run_sweep(tmp_path, kill_at="after_ask", extra=replicates) == -signal.SIGKILL
    time.sleep(GRACE + 1)  # the killed replicate goes stale
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

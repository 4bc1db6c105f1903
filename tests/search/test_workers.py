"""Several workers on one study: the same phase command started N times against one storage.

Runs on SQLite and on a journal file always, and on PostgreSQL when a server is reachable:
`.ci/run` starts one and sets BUDGET_HPO_TEST_POSTGRES (and BUDGET_HPO_REQUIRE_POSTGRES=1, so
that in CI these cannot skip). Trials use the tiny fixture model; a kill window is held open by
``BUDGET_HPO_HOLD_TRIAL`` (:mod:`budget_hpo.search.faults`) until the test has seen what it waits
for, instead of by a long training.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from budget_hpo.search.faults import HOLD_TRIAL_ENV
from budget_hpo.search.storage import open_study
from budget_hpo.search.study import counted_trials, stale_numbers
from tests.helpers import NO_REPORT, TINY, require_postgres, wait_for

pytestmark = pytest.mark.slow
optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(params=["sqlite", "postgresql", "journal"])
def storage(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/study.db"
    if request.param == "journal":  # a journal file, as on a shared filesystem
        return f"journal:///{tmp_path}/shared/study.journal"
    return require_postgres()


def worker(tmp: Path, storage: str, study: str, index: int, *extra: str,
           hold: str | None = None) -> subprocess.Popen:
    """Start a worker; ``hold="<trial>@<file>"``: that trial's job waits until the file exists."""
    exe = Path(sys.executable).with_name("budget-hpo")
    args = ["-m", "search=phase1",  # the storage comes from $BUDGET_HPO_STORAGE (env below)
            f"hydra.sweeper.study_name={study}", f"hydra.sweep.dir={tmp}/worker{index}",
            f"search.phase2.config_dir={tmp}/generated", "search.heartbeat_interval=1",
            "search.grace_period=3", "trainer.num_threads=1", *TINY, NO_REPORT, *extra]
    env = {**os.environ, "PYTHONWARNINGS": "ignore",
           "BUDGET_HPO_STORAGE": storage,  # a URL's password stays out of files
           **({HOLD_TRIAL_ENV: hold} if hold else {})}
    log = open(tmp / f"worker{index}.log", "w")
    return subprocess.Popen([str(exe), *args], cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True, env=env)


def running_trial(storage: str, study: str, tmp: Path, index: int) -> int | None:
    """The number of a RUNNING trial whose job folder worker ``index`` has made (inside the job:
    out of the study lock), else None."""
    if not job_numbers(tmp, index):  # no job folder yet: no need to read the study (40 ms)
        return None
    for trial in open_study(storage, study).trials:
        job = tmp / f"worker{index}" / str(trial.number)
        if trial.state == TrialState.RUNNING and job.is_dir():
            return trial.number
    return None


def job_numbers(tmp: Path, index: int) -> set[int]:
    folder = tmp / f"worker{index}"
    return {int(p.name) for p in folder.iterdir() if p.name.isdigit()} if folder.exists() else set()


def wait(procs, timeout=600):
    deadline = time.time() + timeout
    for p in procs:
        p.wait(timeout=max(1, deadline - time.time()))


def test_two_workers_share_one_study_without_loss_or_duplicates(tmp_path, storage):
    name = f"workers-{uuid.uuid4().hex[:8]}"
    extra = ("search.budgets=[750k,2M]", "hydra.sweeper.n_trials=12", "trainer.max_steps=20")
    go = tmp_path / "go"  # trial 0 waits until both workers have run a job
    procs = [worker(tmp_path, storage, name, i, *extra, hold=f"0@{go}") for i in range(2)]
    wait_for(lambda: job_numbers(tmp_path, 0) and job_numbers(tmp_path, 1),
             "both workers to start a job", timeout=300)
    go.touch()
    wait(procs)
    logs = [(tmp_path / f"worker{i}.log").read_text()[-2000:] for i in range(2)]
    assert [p.returncode for p in procs] == [0, 0], logs
    study = open_study(storage, name)
    assert len(study.trials) == 12 and all(t.state == TrialState.COMPLETE for t in study.trials)
    forced = [t.user_attrs["forced_id"] for t in study.trials if t.user_attrs.get("forced")]
    assert len(forced) == len(set(forced)) == 11  # every forced config of 750k and 2M, once
    first, second = job_numbers(tmp_path, 0), job_numbers(tmp_path, 1)
    assert first and second, "both workers ran trials"
    assert not first & second and first | second == set(range(12))  # each trial ran once


def test_an_early_stop_seen_by_one_worker_stops_them_all(tmp_path, storage):
    name = f"stop-{uuid.uuid4().hex[:8]}"
    extra = ("search.budgets=[750k]", "hydra.sweeper.n_trials=30", "search.early_stop.patience=3",
             "search.early_stop.top_k=2", "search.early_stop.threshold=1.0", "trainer.max_steps=20")
    procs = [worker(tmp_path, storage, name, i, *extra) for i in range(2)]
    wait(procs)
    assert [p.returncode for p in procs] == [0, 0]
    study = open_study(storage, name)
    assert "early_stop" in study.user_attrs
    assert len(study.trials) <= 3 + 2  # at most the trials already running when it fired


def test_a_worker_killed_mid_trial_is_failed_and_retried_by_the_other(tmp_path, storage):
    name = f"kill-{uuid.uuid4().hex[:8]}"
    extra = ("search.budgets=[750k]", "hydra.sweeper.n_trials=6", "search.early_stop.patience=100")
    victim = worker(tmp_path, storage, name, 0, *extra, hold=f"0@{tmp_path}/never")
    wait_for(lambda: running_trial(storage, name, tmp_path, 0) == 0,
             "the victim to be inside trial 0", timeout=300)
    survivor = worker(tmp_path, storage, name, 1, *extra)
    wait_for(lambda: job_numbers(tmp_path, 1), "the survivor to start a job", timeout=300)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    wait([survivor])
    assert survivor.returncode == 0, (tmp_path / "worker1.log").read_text()[-2000:]
    study = open_study(storage, name)
    stale = stale_numbers(study)
    assert len(stale) == 1
    (dead,) = stale
    assert study.trials[dead].state == TrialState.FAIL
    retry = [t for t in study.trials if t.user_attrs.get("retry_of") == dead]
    assert len(retry) == 1 and retry[0].state == TrialState.COMPLETE
    counted = counted_trials(study)
    assert len(counted) == 6 and all(t.state == TrialState.COMPLETE for t in counted)
    forced = [t.user_attrs["forced_id"] for t in counted if t.user_attrs.get("forced")]
    assert sorted(forced) == ["G1-750k-deep", "G1-750k-shallow"]


def test_a_stalled_worker_survives_and_its_result_is_kept(tmp_path):
    """Worker A is stopped (SIGSTOP) mid-trial past grace_period; B fails A's trial as stale and
    retries it. When A resumes, its tell must not crash it, and its result is not lost."""
    storage = f"sqlite:///{tmp_path}/study.db"
    name = f"stall-{uuid.uuid4().hex[:8]}"
    extra = ("search.budgets=[750k]", "hydra.sweeper.n_trials=3", "search.early_stop.enabled=false")
    go = tmp_path / "go"  # A's trial 0 trains only once the test lets it
    stalled = worker(tmp_path, storage, name, 0, *extra, hold=f"0@{go}")
    # A is inside trial 0's job, so it has left the study lock (a worker stopped inside the
    # lock would stop the other one too)
    victim = 0  # the first forced config
    wait_for(lambda: running_trial(storage, name, tmp_path, 0) == victim,
             "worker A to start trial 0", timeout=300)
    os.killpg(stalled.pid, signal.SIGSTOP)
    other = worker(tmp_path, storage, name, 1, *extra)
    try:  # B fails A's trial once grace_period (3 s) has passed
        wait_for(lambda: open_study(storage, name).trials[victim].state == TrialState.FAIL,
                 "the stalled trial to be failed as stale", timeout=120)
    finally:
        os.killpg(stalled.pid, signal.SIGCONT)
        go.touch()
    wait([stalled, other])
    log_a = (tmp_path / "worker0.log").read_text()
    assert stalled.returncode == 0, log_a[-3000:]
    assert other.returncode == 0, (tmp_path / "worker1.log").read_text()[-3000:]
    assert "was failed by another worker while it ran" in log_a
    study = open_study(storage, name)
    retry = [t for t in study.trials if t.user_attrs.get("retry_of") == victim]
    assert len(retry) == 1
    # A's result is kept: on the retry (A claimed it before B could) or as a late result
    kept_on_retry = retry[0].user_attrs.get("job_dir", "").startswith(str(tmp_path / "worker0"))
    assert kept_on_retry or f"late_result_{victim}" in study.user_attrs
    counted = counted_trials(study)
    assert len(counted) == 3 and all(t.state == TrialState.COMPLETE for t in counted)

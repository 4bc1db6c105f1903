"""Crash safety: a real sweep SIGKILLed at each named point of its loop, then the same command
rerun. The study must end complete: no trial lost, none duplicated, none RUNNING forever, the
forced configs exactly once, a dead worker's config retried. Trials use the tiny fixture model;
the killed runs are real processes, the reruns run in this process (:func:`run`); a rerun starts
as soon as the dead run's trial has gone stale (its heartbeat older than the grace period),
which the test waits for on the study itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from budget_hpo.records import PhaseEndRecord, TrialRecord
from budget_hpo.search.heartbeat import config_of
from budget_hpo.search.storage import open_study
from budget_hpo.search.study import counted_trials, stale_numbers
from tests.helpers import NO_REPORT, TINY, compose, run_app, wait_for

pytestmark = pytest.mark.slow
optuna.logging.set_verbosity(optuna.logging.WARNING)

N_TRIALS = 3
GRACE = 3  # seconds without a heartbeat before a trial counts as its dead worker's


def storage_of(tmp: Path, kind: str = "sqlite") -> str:
    return f"sqlite:///{tmp}/study.db" if kind == "sqlite" else f"journal:///{tmp}/study.journal"


def run(tmp: Path, kill_at: str | None = None, timeout: float = 300,
        extra: tuple[str, ...] | list[str] = (), kind: str = "sqlite") -> int:
    """The phase command on the test's study; its output is appended to ``tmp/log.txt``. With
    ``kill_at`` it runs as a real process that SIGKILLs itself there; without, the run that
    must finish the study runs in this process (:func:`tests.helpers.run_app`), as a user's
    rerun of the same command would, without a cold interpreter."""
    args = ["-m", "search=phase1", f"hydra.sweeper.storage={storage_of(tmp, kind)}",
            f"hydra.sweep.dir={tmp}/sweep", f"search.phase2.config_dir={tmp}/generated",
            "search.budgets=[750k]", f"hydra.sweeper.n_trials={N_TRIALS}",
            "search.early_stop.enabled=false", "search.heartbeat_interval=1",
            f"search.grace_period={GRACE}", *TINY, *extra]
    if kill_at is None:
        done = run_app(args, cwd=tmp)
        with open(tmp / "log.txt", "a") as log:
            log.write(done.stdout + done.stderr)
        return done.returncode
    exe = Path(sys.executable).with_name("budget-hpo")
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "BUDGET_HPO_KILL_AT": kill_at}
    with open(tmp / "log.txt", "a") as log:
        proc = subprocess.run([str(exe), *args], cwd=tmp, env=env, stdout=log,
                              stderr=subprocess.STDOUT, timeout=timeout)
    return proc.returncode


def study(tmp: Path, kind: str = "sqlite") -> optuna.Study:
    return open_study(storage_of(tmp, kind), "budget-hpo-phase1-synthetic")


def wait_until_stale(tmp: Path, kind: str = "sqlite", study_name: str | None = None) -> None:
    """Wait until every RUNNING trial of the study (a dead run's, if it left one) has a
    heartbeat older than GRACE, so that the next run fails it as stale."""
    search = compose(["search.heartbeat_interval=1", f"search.grace_period={GRACE}"]).search
    s = open_study(storage_of(tmp, kind), study_name or "budget-hpo-phase1-synthetic",
                   search=search)  # with the run's heartbeat settings: staleness is defined
    storage = s._storage
    running = [t._trial_id for t in s.get_trials(deepcopy=False, states=(TrialState.RUNNING,))]
    if not running:  # killed after a tell: nothing was left running
        return
    wait_for(lambda: set(running) <= set(storage._get_stale_trial_ids(s._study_id)),
             "the dead run's trials to go stale", timeout=60, every=0.25)


def assert_complete(tmp: Path, kind: str = "sqlite") -> None:
    s = study(tmp, kind)
    trials = s.get_trials(deepcopy=False)
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    counted = counted_trials(s)
    assert len(counted) == N_TRIALS and all(t.state == TrialState.COMPLETE for t in counted), [
        (t.number, t.state.name) for t in trials]
    forced = [TrialRecord.from_attrs(t.user_attrs).forced_id for t in counted]
    assert sorted(f for f in forced if f) == ["G1-750k-deep", "G1-750k-shallow"]  # once each
    for dead in stale_numbers(s):  # every dead worker's config was retried
        retries = [t for t in trials if TrialRecord.from_attrs(t.user_attrs).retry_of == dead]
        assert len(retries) == 1 and retries[0].params == config_of(trials[dead])
    jobs = [p for p in (tmp / "sweep").iterdir() if p.name.isdigit()]
    assert len({p.name for p in jobs}) == len(jobs)  # no job folder written twice


@pytest.mark.parametrize("point", ["after_ask", "after_launch", "after_tell"])
def test_killed_in_the_loop_then_rerun_completes_the_study(tmp_path, point):
    report = point == "after_launch"  # the rerun's phase end: one kill point checks its report
    assert run(tmp_path, kill_at=point) == -signal.SIGKILL
    wait_until_stale(tmp_path)  # the dead run's trial goes stale
    assert run(tmp_path, extra=[] if report else [NO_REPORT]) == 0, (
        tmp_path / "log.txt").read_text()[-3000:]
    assert_complete(tmp_path)
    assert (tmp_path / "sweep" / "report" / "summary.md").is_file() == report


@pytest.mark.parametrize("point", ["after_ask", "after_tell"])
def test_a_journal_study_killed_in_the_loop_completes_on_a_rerun(tmp_path, point):
    """The journal file: liveness is the project's own heartbeat, kept in the trials."""
    assert run(tmp_path, kill_at=point, kind="journal", extra=[NO_REPORT]) == -signal.SIGKILL
    wait_until_stale(tmp_path, kind="journal")
    assert run(tmp_path, kind="journal", extra=[NO_REPORT]) == 0, (
        tmp_path / "log.txt").read_text()[-3000:]
    assert_complete(tmp_path, kind="journal")


def test_killed_between_failing_a_stale_trial_and_enqueueing_its_retry(tmp_path):
    assert run(tmp_path, kill_at="after_ask") == -signal.SIGKILL  # leaves trial 0 RUNNING
    wait_until_stale(tmp_path)
    assert run(tmp_path, kill_at="after_fail_stale") == -signal.SIGKILL
    s = study(tmp_path)
    assert stale_numbers(s) == {0}
    assert not [t for t in s.trials if TrialRecord.from_attrs(t.user_attrs).retry_of == 0]
    assert run(tmp_path, extra=[NO_REPORT]) == 0, (tmp_path / "log.txt").read_text()[-3000:]
    assert_complete(tmp_path)  # the retry was enqueued by the rerun


def test_killed_mid_phase2_write_then_rerun_writes_the_files_and_report(tmp_path):
    assert run(tmp_path, kill_at="mid_phase2_write") == -signal.SIGKILL
    assert list((tmp_path / "generated" / "search").rglob("phase2_*.yaml"))
    assert not (tmp_path / "sweep" / "report" / "summary.md").exists()
    claim = PhaseEndRecord.from_study_attrs(study(tmp_path).user_attrs)
    assert claim is not None and not claim.done
    wait_for(lambda: time.time() - claim.claimed_at > GRACE, "the dead writer's claim to expire",
             timeout=60, every=0.25)
    assert run(tmp_path) == 0, (tmp_path / "log.txt").read_text()[-3000:]
    assert_complete(tmp_path)
    assert (tmp_path / "sweep" / "report" / "summary.md").is_file()
    assert len(study(tmp_path).trials) == N_TRIALS  # the rerun trained nothing more

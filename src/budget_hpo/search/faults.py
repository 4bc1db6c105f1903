"""A test-only hook that kills the sweep at a named point, to prove it resumes from there.

``BUDGET_HPO_KILL_AT=<point>`` in the environment makes the process SIGKILL itself when it
reaches that point (nothing is flushed, nothing cleaned up: as a power cut or an OOM kill).
Points: ``after_ask``, ``after_launch``, ``after_tell``, ``after_fail_stale`` and
``mid_phase2_write``. ``BUDGET_HPO_KILL_TRIAL=<n>[:<seconds>]`` kills the job process of trial
``n`` after waiting that many seconds, before it trains: a launcher's worker dying under it.
Unset, both do nothing.
"""

from __future__ import annotations

import os
import signal
import time

__all__ = ["KILL_ENV", "KILL_TRIAL_ENV", "POINTS", "kill_job", "kill_point"]

KILL_ENV = "BUDGET_HPO_KILL_AT"
KILL_TRIAL_ENV = "BUDGET_HPO_KILL_TRIAL"
POINTS = ("after_ask", "after_launch", "after_tell", "after_fail_stale", "mid_phase2_write")


def kill_point(name: str) -> None:
    """SIGKILL this process if ``$BUDGET_HPO_KILL_AT`` names ``name``."""
    assert name in POINTS, name
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def kill_job(trial: int | None) -> None:
    """SIGKILL this job's process if ``$BUDGET_HPO_KILL_TRIAL`` names its trial number."""
    number, _, delay = os.environ.get(KILL_TRIAL_ENV, "").partition(":")
    if trial is not None and number == str(trial):
        time.sleep(float(delay or 0))
        os.kill(os.getpid(), signal.SIGKILL)

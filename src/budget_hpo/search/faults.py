"""A test-only hook that kills the sweep at a named point, to prove it resumes from there.

``BUDGET_HPO_KILL_AT=<point>`` in the environment makes the process SIGKILL itself when it
reaches that point (nothing is flushed, nothing cleaned up: as a power cut or an OOM kill).
Points: ``after_ask``, ``after_launch``, ``after_tell``, ``after_fail_stale`` and
``mid_phase2_write``. ``BUDGET_HPO_KILL_TRIAL=<n>[:<seconds>]`` kills the job process of trial
``n`` after waiting that many seconds, before it trains: a launcher's worker dying under it;
``<n>@<file>`` kills it once ``file`` exists (a test creates it when its kill window opens).
``BUDGET_HPO_HOLD_TRIAL=<n>@<file>`` makes trial ``n``'s job wait, alive and beating, until
``file`` exists (several holds: ``<n>@<file>,<m>@<file>``). Unset, all do nothing.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

__all__ = ["HOLD_TRIAL_ENV", "KILL_ENV", "KILL_TRIAL_ENV", "POINTS", "kill_job", "kill_point"]

KILL_ENV = "BUDGET_HPO_KILL_AT"
KILL_TRIAL_ENV = "BUDGET_HPO_KILL_TRIAL"
HOLD_TRIAL_ENV = "BUDGET_HPO_HOLD_TRIAL"
WAIT_LIMIT_S = 600.0  # a file that never appears: go on (or die) after this long
POINTS = ("after_ask", "after_launch", "after_tell", "after_fail_stale", "mid_phase2_write")


def kill_point(name: str) -> None:
    """SIGKILL this process if ``$BUDGET_HPO_KILL_AT`` names ``name``."""
    assert name in POINTS, name
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def kill_job(trial: int | None) -> None:
    """Hold this job while ``$BUDGET_HPO_HOLD_TRIAL`` names its trial number; SIGKILL its
    process if ``$BUDGET_HPO_KILL_TRIAL`` does."""
    if trial is None:
        return
    for hold in os.environ.get(HOLD_TRIAL_ENV, "").split(","):
        number, _, marker = hold.partition("@")
        if number == str(trial) and marker:
            _wait_for(Path(marker))
    spec = os.environ.get(KILL_TRIAL_ENV, "")
    number, sep, when = spec.partition("@") if "@" in spec else spec.partition(":")
    if number != str(trial):
        return
    if sep == "@":
        _wait_for(Path(when))
    else:
        time.sleep(float(when or 0))
    os.kill(os.getpid(), signal.SIGKILL)


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_S
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)

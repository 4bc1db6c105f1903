"""Run the phase-2 files just written, one sweep each (``search.phase2.run``, the demo's flow).

Each file runs as its own ``budget-hpo -m`` process, exactly as a user would run it from the
file's header: a fresh Hydra, its own study, nothing of phase 1's process carried over but the
overrides in ``search.phase2.run_overrides``. ``search.phase2.run_jobs`` of them run at once (the
demo: both, each training its trials in turn on the thread phase 1's trials had); their output
goes to the terminal as they run.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from budget_hpo.phase2.writer import WriteOutcome

__all__ = ["Phase2Run", "phase2_command", "run_phase2_files"]

log = logging.getLogger(__name__)
ENTRY = "from budget_hpo.cli import main; main()"  # what the budget-hpo console script runs


@dataclass(frozen=True)
class Phase2Run:
    """One file's sweep: which file, its folder and how it ended (the process's exit code)."""

    file: Path
    sweep_dir: Path
    returncode: int


def phase2_command(file: Path, sweep_dir: Path, overrides: Sequence[str] = ()) -> list[str]:
    """The ``budget-hpo -m`` arguments that run ``file`` (``<config dir>/search/<...>.yaml``)
    with its results in ``sweep_dir``."""
    search = file.parent
    while search.name != "search":
        if search == search.parent:
            raise ValueError(f"{file}: not under a search/ config group folder")
        search = search.parent
    option = file.relative_to(search).with_suffix("").as_posix()
    return ["-m", "--config-dir", str(search.parent), f"search={option}",
            f"hydra.sweep.dir={sweep_dir}", *overrides]


def run_phase2_files(outcomes: Sequence[WriteOutcome], root: Path,
                     overrides: Sequence[str] = (), jobs: int = 1) -> list[Phase2Run]:
    """Run each written (or unchanged) file's sweep into ``root/phase2_<budget>``, ``jobs`` at
    a time (1: one after the other), in the files' order.

    A file edited by hand (its regenerated text went beside it, ``.new``) runs as edited. A sweep
    that fails is logged and the others still run: phase 1's results stand either way.
    """
    waiting: list[tuple[Path, Path]] = []
    for outcome in outcomes:
        file = outcome.path if outcome.path.suffix == ".yaml" else outcome.path.with_suffix("")
        waiting.append((file, root / file.stem))
    running: list[tuple[Path, Path, subprocess.Popen[bytes]]] = []
    runs = []
    while waiting or running:
        while waiting and len(running) < max(1, jobs):
            file, sweep_dir = waiting.pop(0)
            args = phase2_command(file, sweep_dir, overrides)
            log.info("phase 2: budget-hpo %s", " ".join(args))
            running.append((file, sweep_dir, subprocess.Popen([sys.executable, "-c", ENTRY,
                                                               *args])))
        file, sweep_dir, process = running.pop(0)
        code = process.wait()
        if code != 0:
            log.warning("phase 2 of %s ended with exit code %d; see %s", file.name, code,
                        sweep_dir)
        runs.append(Phase2Run(file, sweep_dir, code))
    return runs

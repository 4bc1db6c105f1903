"""Run the phase-2 files just written, one sweep each (``search.phase2.run``, the demo's flow).

Each file runs as its own ``budget-hpo -m`` process, exactly as a user would run it from the
file's header: a fresh Hydra, its own study, nothing of phase 1's process carried over but the
overrides in ``search.phase2.run_overrides``. Its output goes to the terminal as it runs.
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
                     overrides: Sequence[str] = ()) -> list[Phase2Run]:
    """Run each written (or unchanged) file's sweep in turn, into ``root/phase2_<budget>``.

    A file edited by hand (its regenerated text went beside it, ``.new``) runs as edited. A sweep
    that fails is logged and the next one still runs: phase 1's results stand either way.
    """
    runs = []
    for outcome in outcomes:
        file = outcome.path if outcome.path.suffix == ".yaml" else outcome.path.with_suffix("")
        sweep_dir = root / file.stem
        args = phase2_command(file, sweep_dir, overrides)
        log.info("phase 2: budget-hpo %s", " ".join(args))
        code = subprocess.run([sys.executable, "-c", ENTRY, *args], check=False).returncode
        if code != 0:
            log.warning("phase 2 of %s ended with exit code %d; see %s", file.name, code,
                        sweep_dir)
        runs.append(Phase2Run(file, sweep_dir, code))
    return runs

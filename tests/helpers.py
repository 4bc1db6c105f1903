"""Helpers shared by the tests: compose the real config; run the real console scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from budget_hpo.compose import compose_config
from budget_hpo.schema import Config, typed_config

# Small and fast: a 12-series panel, 3 training steps, a handful of evaluation origins, and
# (in a sweep) no seed replicates unless a test asks for them.
SMALL = [
    "search.replicates.seeds=0",
    "trainer=smoke",
    "data.generator.n_series=12",
    "data.generator.length=600",
    "data.val_size=60",
    "data.test_size=60",
    "trainer.eval_step=6",
]


def compose(overrides: Sequence[str] = ()) -> Config:
    """The typed config ``budget-hpo OVERRIDES`` would run."""
    return typed_config(compose_config(list(overrides)))


_ENTRY = {
    "budget-hpo": "budget_hpo.cli:main",
    "budget-hpo-plan": "budget_hpo.cli:plan_main",
    "budget-hpo-phase2": "budget_hpo.cli:phase2_main",
    "budget-hpo-report": "budget_hpo.report.cli:main",
}


def run_cli(
    command: str, args: Sequence[str], cwd: Path, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a console script of this package as a real subprocess."""
    exe = Path(sys.executable).with_name(command)
    module, func = _ENTRY[command].split(":")
    argv = [str(exe)] if exe.exists() else [
        sys.executable, "-c",
        f"import sys; sys.argv[0] = {command!r}; from {module} import {func}; {func}()"]
    full_env = {**os.environ, "PYTHONWARNINGS": "ignore", **(env or {})}
    return subprocess.run(
        [*argv, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout
    )

"""Shared fixtures: compose the real config with Hydra's compose API; run the real console scripts."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import DictConfig

from budget_hpo.configs import CONFIG_DIR, CONFIG_NAME
from budget_hpo.schema import register_configs

register_configs()

# Small and fast: a 12-series panel, 3 training steps, a handful of evaluation origins.
SMALL = [
    "trainer=smoke",
    "data.generator.n_series=12",
    "data.generator.length=600",
    "data.val_size=60",
    "data.test_size=60",
    "trainer.eval_step=6",
]


@pytest.fixture(scope="session", autouse=True)
def conf_is_left_untouched():
    """No test may write into the project's conf/ (phase-2 files go to temporary folders)."""
    before = sorted(str(p) for p in CONFIG_DIR.rglob("*"))
    yield
    after = sorted(str(p) for p in CONFIG_DIR.rglob("*"))
    assert after == before, f"tests changed conf/: {sorted(set(after) ^ set(before))}"


@pytest.fixture
def compose_cfg() -> Callable[..., DictConfig]:
    def _compose(overrides: Sequence[str] = ()) -> DictConfig:
        with initialize_config_dir(config_dir=str(CONFIG_DIR)):
            return compose(config_name=CONFIG_NAME, overrides=list(overrides))

    return _compose


def run_cli(
    command: str, args: Sequence[str], cwd: Path, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run a console script of this package as a real subprocess."""
    exe = Path(sys.executable).with_name(command)
    module, func = _ENTRY[command].split(":")
    argv = [str(exe)] if exe.exists() else [
        sys.executable, "-c", f"import sys; sys.argv[0] = {command!r}; from {module} import {func}; {func}()"]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [*argv, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


_ENTRY = {
    "budget-hpo": "budget_hpo.cli:main",
    "budget-hpo-plan": "budget_hpo.cli:plan_main",
    "budget-hpo-phase2": "budget_hpo.cli:phase2_main",
    "budget-hpo-report": "budget_hpo.report.summary:main",
}

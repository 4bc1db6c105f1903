"""Helpers shared by the tests: compose the real config; run the console scripts in this process
or as real subprocesses; wait on an event with a deadline."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TypeVar

import pytest

from budget_hpo.compose import compose_config
from budget_hpo.schema import Config, typed_config

# The folder every trial of a test session keeps the baselines' scores in (set by the session
# fixture in conftest.py; unset, the default folder): the same panel's baselines are fitted once
# per session, not once per process, which saves each subprocess trial the gbt baseline's fit.
BASELINE_CACHE_ENV = "BUDGET_HPO_TEST_BASELINE_CACHE"
SHARED_BASELINES = (f"objective.baseline_cache=${{oc.env:{BASELINE_CACHE_ENV},"
                    f"multirun/.baseline_cache}}")
# Small and fast: a 12-series panel, 3 training steps, a handful of evaluation origins, and
# (in a sweep) no seed replicates unless a test asks for them; the session's baseline cache; and
# the seed's hand-written forced configs, cut to the sweep's budgets (2 at [750k], 9 at [2M]),
# which the machinery's tests count. The anchors rule (the default) has its own sweeps
# (tests/search/test_numeric_budgets.py, ANCHORED below).
SMALL = [
    "forced=seed18",
    "search.replicates.seeds=0",
    "trainer=smoke",
    "data.generator.n_series=12",
    "data.generator.length=600",
    "data.val_size=60",
    "data.test_size=60",
    "trainer.eval_step=6",
    SHARED_BASELINES,
]
# No report when the phase ends (``search.report=false``): for the tests of the machinery that read
# the study, not the report (the report at a phase's end has its own tests).
NO_REPORT = "search.report=false"
# SMALL with the default forced configs (the anchors rule)
ANCHORED = [o for o in SMALL if o != "forced=seed18"]
# The search machinery's tests: SMALL with the tiny fixture model (budget_hpo.trial.tiny), whose
# trials train in milliseconds and import neither torch nor neuralforecast.
TINY = [*SMALL, "model=tiny"]


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


POSTGRES = os.environ.get("BUDGET_HPO_TEST_POSTGRES")  # a server to test against, if any


def postgres_unreachable() -> str | None:
    """Why no PostgreSQL server can be tested against here, or None when one can."""
    if not POSTGRES:
        return "BUDGET_HPO_TEST_POSTGRES is not set (no PostgreSQL server to test against)"
    try:
        import sqlalchemy

        with sqlalchemy.create_engine(POSTGRES).connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as err:  # not reachable here
        return f"PostgreSQL at {POSTGRES} is not reachable: {str(err).splitlines()[0]}"
    return None


def require_postgres() -> str:
    """The test server's URL; without one the test skips, saying why, or fails where
    BUDGET_HPO_REQUIRE_POSTGRES=1 (CI: these tests must run)."""
    reason = postgres_unreachable()
    if reason:
        if os.environ.get("BUDGET_HPO_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is required here but {reason}")
        pytest.skip(reason)
    assert POSTGRES is not None
    return POSTGRES


def console_main(command: str) -> Callable[[], object]:
    """The function the console script ``command`` calls, read from this package's installed
    entry points (``[project.scripts]``): what a user's ``command`` runs, without the wrapper."""
    from importlib.metadata import entry_points

    (entry,) = entry_points(group="console_scripts", name=command)
    assert entry.value == _ENTRY[command], (entry.value, _ENTRY[command])
    return entry.load()


def run_app(
    args: Sequence[str], cwd: Path, env: dict | None = None, command: str = "budget-hpo"
) -> subprocess.CompletedProcess[str]:
    """``COMMAND ARGS`` (any console script of this package) run in this process, through the
    same function as the console script (as Hydra's own plugin tests run sweeps): the real Hydra
    app, sweeper, launcher, search path and callbacks, without a cold interpreter; storages are
    opened afresh, as a new process opens them (connecting with the environment's password or
    ``.pgpass`` of this run, not with an earlier run's connection pool). Returns what
    :func:`run_cli` returns; Hydra's global state is cleared by Hydra itself when the run ends."""
    from budget_hpo.search import storage

    main = console_main(command)
    assert not any(k.startswith("BUDGET_HPO_KILL") for k in {**os.environ, **(env or {})}), (
        "a fault would kill the test process: use run_cli")
    out, err = io.StringIO(), io.StringIO()
    saved = (sys.argv, os.getcwd(), dict(os.environ), _torch_threads())
    # as in a new process: no storage (engine, connection pool) opened by an earlier run
    storages = dict(storage._storages)
    storage._storages.clear()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    code: int = 0
    try:
        os.environ.update(env or {})
        os.chdir(cwd)
        sys.argv = [command, *args]
        with redirect_stdout(out), redirect_stderr(err):
            try:
                main()
            except SystemExit as exit_:
                code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    finally:
        sys.argv, cwd_before, env_before, threads = saved
        os.chdir(cwd_before)
        os.environ.clear()
        os.environ.update(env_before)
        if threads is not None:
            import torch

            torch.set_num_threads(threads)
        for handler in root.handlers:  # Hydra's job logging: files and the captured streams
            if handler not in handlers:
                handler.close()
        root.handlers[:], root.level = handlers, level
        for opened in storage._storages.values():  # closed as a process's exit closes them
            engine = getattr(opened, "engine", None)
            if engine is not None:
                engine.dispose()
        storage._storages.clear()
        storage._storages.update(storages)
    return subprocess.CompletedProcess([command, *args], code, out.getvalue(), err.getvalue())


def _torch_threads() -> int | None:
    """This process's torch threads, when torch is loaded (a trial may set them)."""
    torch = sys.modules.get("torch")
    return None if torch is None else int(torch.get_num_threads())


T = TypeVar("T")


def wait_for(event: Callable[[], T], what: str, timeout: float = 120, every: float = 0.1) -> T:
    """Poll ``event()`` until it returns something true (an exception counts as not yet: a
    database may be busy or not created yet) and return it; fail naming ``what`` after
    ``timeout`` seconds."""
    import pytest

    deadline = time.monotonic() + timeout
    while True:
        try:
            value = event()
        except Exception:
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)

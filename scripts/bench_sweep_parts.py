"""Where a sweep's own time goes: a phase-1 sweep of the tiny fixture model (trials that train in
milliseconds, so what is left is Hydra, the sweeper, the storage and the phase's end), run in
this process with a timer around each part.

    python scripts/bench_sweep_parts.py                    # 19 trials on [1M,5e6], ~30 s
    python scripts/bench_sweep_parts.py --trials 30 --budgets 750k,2M

Parts nest (a job's run holds the early-stop callback; the phase's end holds the report), so
they do not add up to the wall time. Where a revision composes its forced configs as jobs'
configs (before 61a4eec), they count in the first row. Run it in two checkouts (each installed,
``pip install -e .``) one after the other to compare revisions.
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

# (module, attribute path, what it is)
PARTS = [
    ("hydra._internal.config_loader_impl", "ConfigLoaderImpl.load_sweep_config",
     "Hydra composes a job's config"),
    ("hydra._internal.config_loader_impl", "ConfigLoaderImpl.load_configuration",
     "other compositions (forced configs, start-up)"),
    ("hydra.core.utils", "run_job", "a job as Hydra runs it (trial and callbacks)"),
    ("budget_hpo.search.callbacks", "EarlyStopCallback.on_job_end",
     "the early-stop callback after each job"),
    ("budget_hpo.search.outcomes", "record_result", "a trial's record written to the storage"),
    ("budget_hpo.search.sweeper", "BudgetSweeperImpl._open_study",
     "the study opened, forced configs enqueued"),
    ("budget_hpo.phase_end", "Phase2Callback.on_multirun_end",
     "the phase's end (phase-2 files, report)"),
    ("budget_hpo.report", "write_report", "the report"),
]
TINY = ["model=tiny", "trainer=smoke", "forced=anchors", "search.replicates.seeds=0",
        "data.generator.n_series=12", "data.generator.length=600", "data.val_size=60",
        "data.test_size=60", "trainer.eval_step=6", "search.early_stop.enabled=false"]


def _timed(totals: dict[str, list[float]], module: str, path: str) -> None:
    owner = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[path][0] += time.perf_counter() - start
            totals[path][1] += 1

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="1M,5e6", help="comma-separated budget grid")
    parser.add_argument("--trials", type=int, default=19, help="n_trials (forced included)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    totals: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0])
    for module, path, _ in PARTS:
        _timed(totals, module, path)
    from budget_hpo.cli import main as budget_hpo

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        sys.argv = ["budget-hpo", "-m", "search=phase1", f"search.budgets=[{args.budgets}]",
                    f"hydra.sweeper.n_trials={args.trials}",
                    f"hydra.sweeper.storage=sqlite:///{tmp}/study.db",
                    f"hydra.sweep.dir={tmp}/sweep", f"search.phase2.config_dir={tmp}/generated",
                    f"objective.baseline_cache={tmp}/baselines", *TINY]
        start = time.perf_counter()
        try:
            budget_hpo()
        except SystemExit as exit_:
            if exit_.code:
                raise
        wall = time.perf_counter() - start
        jobs = sum(1 for p in Path(tmp, "sweep").iterdir() if p.name.isdigit())
    print(f"\nsweep of {jobs} tiny trials on [{args.budgets}]: {wall:.2f} s wall, "
          f"{wall / max(jobs, 1):.3f} s a trial")
    print(f"{'part':48}{'total s':>9}{'calls':>7}{'s a call':>10}")
    for _, path, what in PARTS:
        total, calls = totals[path]
        print(f"{what:48}{total:>9.2f}{calls:>7}{total / max(calls, 1):>10.3f}")


if __name__ == "__main__":
    main()

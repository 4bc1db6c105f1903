"""The demo's wall time: this working tree alone, or against another revision in one run.

Each run is ``budget-hpo -m search=demo`` (the same command, study and seeds) as a fresh process
in an empty folder: this tree as installed (``pip install -e .``), and with ``--base`` the other
revision from a ``git worktree`` of it put first on ``PYTHONPATH``; the sides alternate ``--reps``
times, so the machine's drift hits both. Each run prints its wall time and its trials per study
(phase 1, and the phase-2 studies the demo runs).

    python scripts/bench_demo.py                         # ~3 minutes on 2 cores
    python scripts/bench_demo.py --reps 3
    python scripts/bench_demo.py --base HEAD~3 --reps 2 -- trainer.max_steps=60
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def checkout(rev: str, folder: Path) -> Path:
    """A worktree of ``rev`` whose package finds its configs as an installed one would."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-f", str(folder),
                    rev], check=True, capture_output=True)
    (folder / "src" / "budget_hpo" / "conf").symlink_to(folder / "conf")
    return folder / "src"


def demo(src: Path | None, extra: list[str], folder: Path) -> tuple[float, dict[str, int]]:
    """(wall seconds, study name -> its trials) of one demo run in ``folder``."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    folder.mkdir(parents=True)
    code = ("import sys; sys.argv = ['budget-hpo', '-m', 'search=demo', *sys.argv[1:]]; "
            "from budget_hpo.cli import main; main()")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *extra], cwd=folder, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"demo failed in {folder}:\n{proc.stderr[-3000:]}")
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = f"sqlite:///{folder}/multirun/demo.db"
    return wall, {s.study_name: s.n_trials for s in optuna.get_all_study_summaries(storage)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="a revision to compare against (default: none)")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("extra", nargs="*", help="overrides for both sides (after --)")
    args = parser.parse_args()
    import budget_hpo

    if Path(budget_hpo.__file__).resolve().parents[2] != ROOT:
        raise SystemExit(f"budget_hpo is installed from {budget_hpo.__file__}, not this tree: "
                         f"pip install --no-deps -e {ROOT}")
    walls: dict[str, list[float]] = {"base": [], "this tree": []}
    with tempfile.TemporaryDirectory() as tmp:
        sides: list[tuple[str, Path | None]] = [("this tree", None)]
        if args.base:
            sides.insert(0, ("base", checkout(args.base, Path(tmp) / "base")))
        try:
            for rep in range(args.reps):
                for side, src in sides:
                    wall, trials = demo(src, args.extra, Path(tmp) / f"{side}-{rep}")
                    walls[side].append(wall)
                    counts = ", ".join(f"{n} {name}" for name, n in sorted(trials.items()))
                    print(f"rep {rep} {side:9s} {wall:7.1f} s; trials: {counts}", flush=True)
        finally:
            if args.base:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(Path(tmp) / "base")], capture_output=True)
    this = statistics.median(walls["this tree"])
    if not args.base:
        print(f"\ndemo wall: {this:.1f} s (median of {args.reps}; {min(walls['this tree']):.1f}"
              f"-{max(walls['this tree']):.1f} s)")
        return
    base = statistics.median(walls["base"])
    print(f"\ndemo wall: base {args.base} {base:.1f} s, this tree {this:.1f} s: "
          f"{this / base:.3f} x")


if __name__ == "__main__":
    main()

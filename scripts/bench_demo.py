"""The demo's wall time at another revision and at this working tree, measured in one run.

Each side runs ``budget-hpo -m search=demo`` (the same command, study and seeds) as a fresh
process in an empty folder: this tree as installed (``pip install -e .``), the other revision from
a ``git worktree`` of it put first on ``PYTHONPATH``. Both sides alternate ``--reps`` times, so
the machine's drift hits both.

    python scripts/bench_demo.py --base 15d91e0          # ~15 minutes on 2 cores
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


def demo(src: Path | None, extra: list[str], folder: Path) -> tuple[float, int]:
    """(wall seconds, trials in the demo's phase-1 study) of one demo run in ``folder``."""
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
    names = [s.study_name for s in optuna.get_all_study_summaries(storage)
             if not s.study_name.endswith("-replicates")]
    trials = len(optuna.load_study(study_name=names[0], storage=storage).trials)
    return wall, trials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare against")
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("extra", nargs="*", help="overrides for both sides (after --)")
    args = parser.parse_args()
    import budget_hpo

    if Path(budget_hpo.__file__).resolve().parents[2] != ROOT:
        raise SystemExit(f"budget_hpo is installed from {budget_hpo.__file__}, not this tree: "
                         f"pip install --no-deps -e {ROOT}")
    walls: dict[str, list[float]] = {"base": [], "this tree": []}
    with tempfile.TemporaryDirectory() as tmp:
        base_src = checkout(args.base, Path(tmp) / "base")
        try:
            for rep in range(args.reps):
                for side, src in (("base", base_src), ("this tree", None)):
                    wall, trials = demo(src, args.extra, Path(tmp) / f"{side}-{rep}")
                    walls[side].append(wall)
                    print(f"rep {rep} {side:9s} {wall:7.1f} s, {trials} phase-1 trials", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(Path(tmp) / "base")], capture_output=True)
    base, this = statistics.median(walls["base"]), statistics.median(walls["this tree"])
    print(f"\ndemo wall: base {args.base} {base:.1f} s, this tree {this:.1f} s: "
          f"{this / base:.3f} x")


if __name__ == "__main__":
    main()

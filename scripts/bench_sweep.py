"""Sweep overhead: a phase-1 multirun vs calling run_trial directly on the same configs.

Runs `budget-hpo -m search=phase1` over a budget subset (forced configs, then TPE) as a subprocess,
reads every trial's parameters back from the study, then runs the same configs through
`run_trial` in a second fresh process. Both processes pay their own imports, so the ratio of their
wall times is what Hydra, the sweeper and Optuna add.

    python scripts/bench_sweep.py                        # ~6 minutes on 2 cores
    python scripts/bench_sweep.py --budgets 750k --trials 4 --steps 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL = ["data.generator.n_series=16", "data.generator.length=800", "data.val_size=80",
         "data.test_size=80", "trainer.eval_step=4"]


def direct(spec_path: str) -> None:
    """Second process: run each config through run_trial, print the summed trial wall time."""
    from budget_hpo.compose import composer
    from budget_hpo.trial.run import run_trial

    spec = json.loads(Path(spec_path).read_text())
    total = 0.0
    for overrides in spec:
        with composer(overrides) as compose:
            cfg = compose()
        total += run_trial(cfg).wall_time_s
    print(json.dumps({"sum_trial_wall_s": total}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budgets", default="750k,2M", help="comma-separated budget subset")
    parser.add_argument("--trials", type=int, default=14, help="n_trials (forced included)")
    parser.add_argument("--steps", type=int, default=150, help="training steps per trial")
    args = parser.parse_args()
    import optuna

    with tempfile.TemporaryDirectory() as tmp:
        storage = f"sqlite:///{tmp}/bench.db"
        common = [f"trainer.max_steps={args.steps}", *SMALL]
        sweep = ["-m", "search=phase1", f"search.budgets=[{args.budgets}]",
                 f"hydra.sweeper.n_trials={args.trials}", f"hydra.sweeper.storage={storage}",
                 f"hydra.sweep.dir={tmp}/sweep", f"search.phase2.config_dir={tmp}/gen",
                 "search.early_stop.patience=1000", "search.replicates.seeds=0", *common]
        start = time.perf_counter()
        proc = subprocess.run(["budget-hpo", *sweep], capture_output=True, text=True)
        sweep_wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(proc.stderr[-3000:])
        study = optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=storage)
        configs = [[*(f"{k}={v}" for k, v in t.params.items()), *common] for t in study.trials]
        in_sweep = sum(t.user_attrs["wall_time_s"] for t in study.trials)
        spec = Path(tmp) / "configs.json"
        spec.write_text(json.dumps(configs))
        start = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--direct", str(spec)],
                             capture_output=True, text=True)
        direct_wall = time.perf_counter() - start
        if out.returncode != 0:
            sys.exit(out.stderr[-3000:])
        direct_sum = json.loads(out.stdout.strip().splitlines()[-1])["sum_trial_wall_s"]

    print(f"{len(configs)} trials ({args.budgets}, {args.steps} steps each)")
    print(f"{'':34}{'wall s':>9}{'trials s':>10}")
    print(f"{'budget-hpo -m search=phase1':34}{sweep_wall:>9.1f}{in_sweep:>10.1f}")
    print(f"{'run_trial, same configs':34}{direct_wall:>9.1f}{direct_sum:>10.1f}")
    print(f"sweep wall / sum of direct trial times: {sweep_wall / direct_sum:.3f}   (target <= 1.05)")
    print(f"sweep wall / direct wall: {sweep_wall / direct_wall:.3f}")
    # Robust to the machine getting faster or slower between the two runs: each process's wall
    # time over the training it did itself.
    own, bare = sweep_wall / in_sweep, direct_wall / direct_sum
    print(f"wall / own trial time: sweep {own:.3f}, direct {bare:.3f}; overhead factor {own / bare:.3f}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--direct":
        direct(sys.argv[2])
    else:
        main()

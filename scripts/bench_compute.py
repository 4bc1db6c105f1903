"""Compute to result on the synthetic data: plain phase 1 vs early stop vs early stop + pruning.

Runs the same phase 1 (demo-scale data, budgets 750k and 2M, seeded TPE) several ways, each a real
`budget-hpo -m` sweep on its own SQLite study, and reports total training steps, wall time and the
best validation AUC. Pruned trials count the steps they ran.

    python scripts/bench_compute.py                 # ~20 minutes on 2 cores
    python scripts/bench_compute.py --trials 30 --variants plain,early_stop
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

VARIANTS = {
    "plain": ["search.early_stop.enabled=false", "search.pruner=none"],
    "early_stop": ["search.pruner=none"],
    "early_stop+median": ["search.pruner=median"],
    "early_stop+hyperband": ["search.pruner=hyperband"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=70)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--prune-every", type=int, default=30)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    args = parser.parse_args()
    import optuna

    from budget_hpo.records import TrialRecord

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.variants.split(","):
            storage = f"sqlite:///{tmp}/{name.replace('+', '_')}.db"
            cmd = ["budget-hpo", "-m", "search=demo", f"hydra.sweeper.n_trials={args.trials}",
                   f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp}/{name}",
                   f"search.phase2.config_dir={tmp}/conf_{name}",
                   # the phase-1 defaults for the rule, not the demo's shorter patience
                   "search.early_stop.patience=20", "search.early_stop.top_k=5",
                   "search.early_stop.threshold=0.02", "search.replicates.seeds=0",
                   f"trainer.max_steps={args.steps}", f"search.prune_every={args.prune_every}",
                   *VARIANTS[name]]
            start = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                sys.exit(f"{name} failed:\n{proc.stderr[-3000:]}")
            study = optuna.load_study(study_name="budget-hpo-demo-synthetic", storage=storage)
            steps = 0
            for t in study.trials:
                record = TrialRecord.from_attrs(t.user_attrs)
                if t.state.name == "COMPLETE":
                    steps += record.train_steps or args.steps
                elif t.state.name == "PRUNED":
                    steps += record.steps_done or 0
            states = [t.state.name for t in study.trials]
            best_test = TrialRecord.from_attrs(study.best_trial.user_attrs).test_auc
            rows.append((name, len(states), states.count("PRUNED"), steps, wall,
                         study.best_value, float("nan") if best_test is None else best_test))
            print(f"done: {name}", file=sys.stderr)
    base_steps, base_wall, base_best = rows[0][3], rows[0][4], rows[0][5]
    print(f"phase 1 on the demo data, up to {args.trials} trials of {args.steps} steps "
          f"(pruning checks every {args.prune_every})")
    print(f"{'variant':<22}{'trials':>7}{'pruned':>7}{'steps':>8}{'steps %':>8}{'wall s':>8}"
          f"{'wall %':>8}{'best val AUC':>13}{'Δ best':>8}{'its test':>9}")
    for name, n, pruned, steps, wall, best, test in rows:
        print(f"{name:<22}{n:>7}{pruned:>7}{steps:>8}{steps / base_steps:>8.0%}{wall:>8.0f}"
              f"{wall / base_wall:>8.0%}{best:>13.4f}{best - base_best:>+8.4f}{test:>9.4f}")


if __name__ == "__main__":
    main()

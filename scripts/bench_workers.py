"""Idle share: asynchronous workers vs batch-synchronous `n_jobs`, with trials of unequal length.

Both run the same phase 1 (forced configs of 750k and 2M, whose trials differ ~3x in length) with
two trials at a time on this machine: (a) one sweep process with `hydra/launcher=joblib
hydra.sweeper.n_jobs=2`, (b) the same command started twice as two workers on one study. Busy time
is the sum of the trials' own wall times (result.json); idle share = 1 - busy / (2 x span), span
from the first trial's start to the last trial's end.

    python scripts/bench_workers.py            # ~6 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile

COMMON = ["search=phase1", "search.budgets=[750k,2M]", "search.early_stop.enabled=false",
          "search.replicates.seeds=0",
          "search.pruner=none", "trainer.num_threads=1", "data.generator.n_series=16",
          "data.generator.length=1200", "data.val_size=150", "data.test_size=150",
          "trainer.eval_step=3", "search.heartbeat_interval=2", "search.grace_period=10"]


def idle_share(storage: str) -> tuple[float, float, float, int]:
    from budget_hpo.records import TrialRecord
    from budget_hpo.search.storage import open_study

    study = open_study(storage, "budget-hpo-phase1-synthetic")
    done = [t for t in study.trials if t.state.name == "COMPLETE"]
    busy = sum(TrialRecord.from_attrs(t.user_attrs).wall_time_s or 0.0 for t in done)
    span = (max(t.datetime_complete for t in done) - min(t.datetime_start for t in done)).total_seconds()
    return 1.0 - busy / (2.0 * span), busy, span, len(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=14)
    parser.add_argument("--steps", type=int, default=80)
    args = parser.parse_args()
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        base = [*COMMON, f"hydra.sweeper.n_trials={args.trials}", f"trainer.max_steps={args.steps}",
                f"search.phase2.config_dir={tmp}/gen"]
        batch = f"sqlite:///{tmp}/batch.db"
        proc = subprocess.run(["budget-hpo", "-m", *base, "hydra/launcher=joblib",
                               "hydra.sweeper.n_jobs=2", f"hydra.sweeper.storage={batch}",
                               f"hydra.sweep.dir={tmp}/batch"], capture_output=True, text=True)
        if proc.returncode:
            sys.exit(proc.stderr[-3000:])
        workers = f"sqlite:///{tmp}/workers.db"
        procs = [subprocess.Popen(["budget-hpo", "-m", *base, f"hydra.sweeper.storage={workers}",
                                   f"hydra.sweep.dir={tmp}/w{i}"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True) for i in range(2)]
        for p in procs:
            _, err = p.communicate()
            if p.returncode:
                sys.exit(err[-3000:])
        rows = [("joblib, n_jobs=2 (batches)", *idle_share(batch)),
                ("2 async workers", *idle_share(workers))]
    print(f"{args.trials} trials of 750k/2M forced configs, {args.steps} steps, 2 at a time")
    print(f"{'mode':<30}{'trials':>7}{'busy s':>8}{'span s':>8}{'idle share':>11}")
    for name, idle, busy, span, n in rows:
        print(f"{name:<30}{n:>7}{busy:>8.0f}{span:>8.0f}{idle:>11.1%}")
    print("target: idle share <= 5% for workers")


if __name__ == "__main__":
    main()

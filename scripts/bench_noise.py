"""How noisy is a ranking? Phase 1 at demo scale, three times with different sampler seeds.

For each run (the demo's phase 1: its data, training and early stop; model seed 0; TPE seeded
0, 1, 2): the seed standard deviation of the best config (its seed replicates), the width of the 95%
block-bootstrap interval of its validation AUC, the extra compute the replicates cost as a
share of the phase, and whether the top budget by single best value is still the top budget
by fresh-seed mean (the replicates alone, the selected value left out).

    python scripts/bench_noise.py              # ~10 minutes on 2 cores
    python scripts/bench_noise.py --runs 1
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

STUDY = "budget-hpo-demo-synthetic_nonlinear"  # the demo's phase 1 (its phase 2 is not run here)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="phase-1 runs (sampler seeds 0..)")
    args = parser.parse_args()

    import optuna

    from budget_hpo.phase2.ranking import TrialOutcome, rank_budgets
    from budget_hpo.phase2.spec import ranked_outcomes
    from budget_hpo.records import TrialRecord
    from budget_hpo.search.replicates import pooled_sd, seed_stats

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            storage = f"sqlite:///{tmp}/run{run}.db"
            start = time.perf_counter()
            proc = subprocess.run(
                ["budget-hpo", "-m", "search=demo", f"hydra.sweeper.storage={storage}",
                 f"hydra.sweeper.sampler.seed={run}", f"hydra.sweep.dir={tmp}/sweep{run}",
                 f"search.phase2.config_dir={tmp}/conf{run}", "search.phase2.run=false"],
                capture_output=True, text=True)
            if proc.returncode:
                sys.exit(proc.stderr[-3000:])
            wall = time.perf_counter() - start
            study = optuna.load_study(study_name=STUDY, storage=storage)
            reps = optuna.load_study(study_name=f"{STUDY}-replicates", storage=storage)
            seeds = seed_stats(study, reps)
            complete = [t for t in study.trials if t.state.name == "COMPLETE"]
            best = study.best_trial
            record = TrialRecord.from_attrs(best.user_attrs)

            def wall_of(trials: list) -> float:
                return sum(TrialRecord.from_attrs(t.user_attrs).wall_time_s or 0.0
                           for t in trials if t.state.name == "COMPLETE")

            single = rank_budgets([TrialOutcome(t.number, t.params["budget"], t.value)
                                   for t in complete], "maximize")
            by_mean = rank_budgets(ranked_outcomes(complete, seeds), "maximize")  # phase 2's
            rows.append({
                "run": run, "trials": len(study.trials), "wall_s": wall,
                "best": f"{best.params['budget']}/{best.params['style']} #{best.number}",
                "best_value": best.value,
                "best_sd": seeds[best.number].sd if best.number in seeds else float("nan"),
                "pooled_sd": pooled_sd(list(seeds.values())),
                "ci_width": (record.val_auc_high or 0.0) - (record.val_auc_low or 0.0),
                "replicate_share": wall_of(reps.trials) / wall_of(study.trials),
                "top_single": single[0].budget, "top_by_mean": by_mean[0].budget,
            })
            print(f"done: run {run}", file=sys.stderr)
    print(f"{'run':>3} {'trials':>6} {'wall s':>7}  {'best config':<18}{'val AUC':>8}"
          f"{'seed SD':>9}{'pooled SD':>10}{'CI width':>9}{'replicates':>11}  top budget")
    for r in rows:
        same = "same" if r["top_single"] == r["top_by_mean"] else "CHANGED"
        print(f"{r['run']:>3} {r['trials']:>6} {r['wall_s']:>7.0f}  {r['best']:<18}"
              f"{r['best_value']:>8.4f}{r['best_sd']:>9.4f}{r['pooled_sd']:>10.4f}"
              f"{r['ci_width']:>9.3f}{r['replicate_share']:>10.0%}  "
              f"{r['top_single']} -> {r['top_by_mean']} ({same} by fresh-seed mean)")
    kept = sum(r["top_single"] == r["top_by_mean"] for r in rows)
    print(f"the phase-1 top budget survives replicates in {kept} of {len(rows)} runs; "
          f"top budgets across runs: {sorted({r['top_by_mean'] for r in rows})}")


if __name__ == "__main__":
    main()

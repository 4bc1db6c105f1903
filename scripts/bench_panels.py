"""The embedded panels' planted answers, measured: ceilings per seed, and what a demo-scale
training learns on the nonlinear panel by budget and learning rate.

Part 1 (seconds): for each panel and seed, at the demo's sizes, the test AUC of the generator's
noise-free signal (the planted ceiling) beside the ridge baseline's
(:func:`budget_hpo.trial.ceilings.panel_ceiling`). Part 2 (``--train``, about a minute a budget):
the real iTransformer at the demo's training (120 steps, eval_step 1) on ``synthetic_nonlinear``
at each budget and learning rate, its validation AUC beside ridge's.

    python scripts/bench_panels.py                     # seeds 0..12
    python scripts/bench_panels.py --train     # and 12k,40k,160k,400k x lr 1e-4,3e-3
    python scripts/bench_panels.py --train --budgets 10k,100k --lrs 1e-3
"""

from __future__ import annotations

import argparse
import logging
import warnings

SIZES = ["data.generator.n_series=16", "data.generator.length=1200", "data.val_size=150",
         "data.test_size=150", "data.horizon=1", "objective.threshold=0.0"]
TRAIN = ["trainer.max_steps=120", "trainer.eval_step=1", "trainer.num_threads=1",
         "regularization.dropout=0.2", "objective.baseline_cache=null"]


def ceilings(seeds: list[int]) -> None:
    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.ceilings import panel_ceiling

    for panel in ("synthetic", "synthetic_nonlinear"):
        gaps = []
        for seed in seeds:
            cfg = typed_config(compose_config([f"data={panel}", f"data.generator.seed={seed}",
                                               *SIZES]))
            found = panel_ceiling(cfg)
            gaps.append(found.gap)
            print(f"{panel:20s} seed {seed:2d}: ceiling {found.ceiling:.3f}, ridge "
                  f"{found.ridge:.3f}, gap {found.gap:.3f}", flush=True)
        print(f"{panel:20s} gap over seeds {seeds[0]}..{seeds[-1]}: {min(gaps):.3f}-"
              f"{max(gaps):.3f}\n")


def training(budgets: list[str], lrs: list[str]) -> None:
    from budget_hpo.compose import compose_config
    from budget_hpo.trial.run import run_trial

    for budget in budgets:
        for lr in lrs:
            r = run_trial(compose_config(["data=synthetic_nonlinear", *SIZES, *TRAIN,
                                          f"budget={budget}", f"regularization.lr={lr}"]))
            print(f"{budget:5s} d_model={r.d_model:3d} n_layers={r.n_layers} lr {lr}: val AUC "
                  f"{r.val_auc:.3f} [{r.val_auc_low:.3f}, {r.val_auc_high:.3f}] "
                  f"(ridge {r.linear_val_auc:.3f})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=13, help="panel seeds 0..N-1")
    parser.add_argument("--train", action="store_true", help="also train at demo scale")
    parser.add_argument("--budgets", default="12k,40k,160k,400k")
    parser.add_argument("--lrs", default="1e-4,3e-3")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    ceilings(list(range(args.seeds)))
    if args.train:
        training(args.budgets.split(","), args.lrs.split(","))


if __name__ == "__main__":
    main()

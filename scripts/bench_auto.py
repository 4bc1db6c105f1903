"""budget_hpo's TPE sweep vs neuralforecast's AutoiTransformer (Optuna backend), same space and trials.

Both search budget x style (the seed's table), dropout [0.1, 0.7], lr [1e-5, 1e-3] (log) and weight
decay [0, 0.01] with seeded TPE for the same number of trials on the same demo-scale data and the
same training steps, each in its own fresh process. AutoiTransformer selects by validation MSE (its
objective); budget_hpo by validation AUC. The best config each one picks is scored by the same
direction AUC (run_trial on the same splits), so the comparison is of what each search finds.

    python scripts/bench_auto.py            # ~8 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

DATA = ["data.generator.n_series=16", "data.generator.length=1200", "data.val_size=150",
        "data.test_size=150", "trainer.eval_step=3"]
TABLE = {("750k", "shallow"): (192, 2, 4), ("750k", "deep"): (128, 4, 4),
         ("2M", "shallow"): (320, 2, 4), ("2M", "deep"): (192, 5, 4)}


def compose(overrides):
    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config

    return typed_config(compose_config(list(overrides)))


def auto_child(trials: int, steps: int) -> None:
    """Run AutoiTransformer's Optuna search; print its best params as JSON."""
    import optuna
    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.auto import AutoiTransformer
    from neuralforecast.losses.pytorch import MSE

    from budget_hpo.trial.data import load_panel

    cfg = compose(DATA)
    panel = load_panel(cfg.data)
    val, test = cfg.data.val_size, cfg.data.test_size
    frame = panel.long()
    frame = frame[frame["ds"] < panel.length - test]  # train + validation only

    def config(trial):
        budget = trial.suggest_categorical("budget", ["750k", "2M"])
        style = trial.suggest_categorical("style", ["shallow", "deep"])
        if isinstance(budget, list):  # neuralforecast probes the function with a mock trial
            budget, style = budget[0], style[0]
        d, layers, heads = TABLE[(budget, style)]
        return {"n_series": panel.n_series, "input_size": 64, "hidden_size": d,
                "e_layers": layers, "n_heads": heads, "d_ff": 4 * d,
                "dropout": trial.suggest_float("dropout", 0.1, 0.7),
                "learning_rate": trial.suggest_float("lr", 1e-5, 1e-3, log=True),
                "optimizer": torch.optim.AdamW,
                "optimizer_kwargs": {"weight_decay": trial.suggest_float("weight_decay", 0.0, 0.01)},
                "max_steps": steps, "val_check_steps": steps, "windows_batch_size": 32,
                "random_seed": 0, "accelerator": "cpu", "enable_progress_bar": False,
                "logger": False, "enable_model_summary": False, "enable_checkpointing": False}

    sampler = optuna.samplers.TPESampler(seed=0, multivariate=True)
    auto = AutoiTransformer(h=1, n_series=panel.n_series, loss=MSE(), config=config,
                            search_alg=sampler, num_samples=trials, backend="optuna")
    nf = NeuralForecast(models=[auto], freq=1)
    nf.fit(frame, val_size=val)
    best = nf.models[0].results.best_trial.params
    print(json.dumps(best))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--steps", type=int, default=120)
    args = parser.parse_args()
    import optuna

    from budget_hpo.trial.run import run_trial

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        storage = f"sqlite:///{tmp}/ours.db"
        start = time.perf_counter()
        proc = subprocess.run(
            ["budget-hpo", "-m", "search=phase1", "search.budgets=[750k,2M]", "search.forced=false",
             "search.early_stop.enabled=false", "search.pruner=none", "search.replicates.seeds=0",
             f"hydra.sweeper.n_trials={args.trials}", f"hydra.sweeper.storage={storage}",
             f"hydra.sweep.dir={tmp}/ours", f"search.phase2.config_dir={tmp}/gen",
             f"trainer.max_steps={args.steps}", *DATA], capture_output=True, text=True)
        ours_wall = time.perf_counter() - start
        if proc.returncode:
            sys.exit(proc.stderr[-3000:])
        ours = optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=storage).best_trial

        start = time.perf_counter()
        child = subprocess.run([sys.executable, __file__, "--auto-child", str(args.trials),
                                str(args.steps)], capture_output=True, text=True)
        auto_wall = time.perf_counter() - start
        if child.returncode:
            sys.exit(child.stderr[-3000:])
        best = json.loads(child.stdout.strip().splitlines()[-1])

    auto_cfg = compose([*DATA, f"budget={best['budget']}", f"style={best['style']}",
                        f"regularization.dropout={best['dropout']}", f"regularization.lr={best['lr']}",
                        f"regularization.weight_decay={best['weight_decay']}",
                        f"trainer.max_steps={args.steps}"])
    auto_result = run_trial(auto_cfg)
    print(f"{args.trials} trials of {args.steps} steps, budgets 750k/2M, demo-scale data")
    print(f"{'search':<34}{'wall s':>8}{'best val AUC':>14}{'its test AUC':>14}  best config")
    print(f"{'budget-hpo -m (TPE, AUC)':<34}{ours_wall:>8.0f}{ours.value:>14.4f}"
          f"{ours.user_attrs['test_auc']:>14.4f}  {ours.params}")
    print(f"{'AutoiTransformer (optuna, MSE)':<34}{auto_wall:>8.0f}{auto_result.val_auc:>14.4f}"
          f"{auto_result.test_auc:>14.4f}  {best}")
    print(f"wall ratio budget-hpo / Auto: {ours_wall / auto_wall:.2f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--auto-child":
        auto_child(int(sys.argv[2]), int(sys.argv[3]))
    else:
        main()

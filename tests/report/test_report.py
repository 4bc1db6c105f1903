"""The report: trials.csv, summary.md and two valid PNGs from real studies."""

from __future__ import annotations

import matplotlib.image as mpimg
import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution
from optuna.trial import TrialState, create_trial

from budget_hpo.errors import ConfigError
from budget_hpo.forecast_losses import is_loss_name, loss_names
from budget_hpo.records import DatasetRecord, EarlyStopRecord, LineageRecord, ModelRecord
from budget_hpo.report import write_report
from budget_hpo.report.plots import _scaling_points
from budget_hpo.report.snapshot import load_snapshot
from budget_hpo.report.summary import summary_markdown
from budget_hpo.search.study import record_result
from budget_hpo.trial.forecasts import FORECAST_STEPS, FORECASTS, REALISED_STEPS
from budget_hpo.trial.run import run_trial
from tests.helpers import SMALL, run_cli

DISTS = {
    "budget": CategoricalDistribution(["750k", "2M"]),
    "style": CategoricalDistribution(["shallow", "deep"]),
    "regularization.lr": FloatDistribution(1e-5, 1e-3, log=True),
}
PARAMS = {("750k", "shallow"): 902_785, ("750k", "deep"): 801_793, ("2M", "shallow"): 2_487_681,
          ("2M", "deep"): 2_237_377}


def summary(storage, names=None) -> str:
    """What ``summary.md`` of a report of ``names`` holds (the report's own function; the tests
    that read only the summary leave the figures to the tests that look at them)."""
    return summary_markdown(load_snapshot(storage, names))


def fill(study, rows, forced_first=0, extra=()):
    extra = list(extra) + [{}] * len(rows)
    for i, (budget, style, lr, value) in enumerate(rows):
        study.add_trial(create_trial(
            params={"budget": budget, "style": style, "regularization.lr": lr},
            distributions=DISTS, value=value,
            state=TrialState.COMPLETE if value is not None else TrialState.FAIL,
            user_attrs={"forced": i < forced_first, "params_exact": PARAMS[(budget, style)],
                        "val_auc": value, "test_auc": None if value is None else value - 0.01,
                        "naive_val_auc": 0.45, "linear_val_auc": 0.75, "d_model": 192,
                        "n_layers": 2, "n_heads": 4, **extra[i]},
        ))


@pytest.mark.slow
def test_report_has_rows_columns_summary_and_images(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    p1 = optuna.create_study(study_name="budget-hpo-phase1", storage=storage, direction="maximize")
    fill(p1, [("750k", "shallow", 1e-4, 0.60), ("750k", "deep", 1e-4, 0.62),
              ("2M", "shallow", 1e-4, 0.66), ("2M", "deep", 1e-4, None),
              ("2M", "deep", 3e-4, 0.65), ("750k", "deep", 5e-5, 0.63)], forced_first=4)
    stop = EarlyStopRecord(n_complete=5, n_trials=6, spread=0.01, threshold=0.02, top_k=3,
                           patience=5, top_values=(0.66, 0.65, 0.63))
    for key, value in stop.to_attrs().items():
        p1.set_user_attr(key, value)
    p2 = optuna.create_study(study_name="budget-hpo-phase1-phase2_2M", storage=storage,
                             direction="maximize")
    for key, value in LineageRecord("budget-hpo-phase1").to_attrs().items():
        p2.set_user_attr(key, value)  # linked by its recorded parent, not by its name
    fill(p2, [("2M", "shallow", 2e-4, 0.68), ("2M", "shallow", 1e-3, 0.64)])
    running = p1.ask()  # a trial still running: the report works on a live study
    report = write_report(storage, tmp_path / "out")

    trials = pd.read_csv(tmp_path / "out" / "trials.csv")
    assert len(trials) == 6 + 1 + 2
    for column in ("study", "phase", "number", "state", "value", "params_budget", "params_style",
                   "val_auc", "test_auc", "params_exact"):
        assert column in trials.columns, column
    assert set(trials["state"]) == {"COMPLETE", "FAIL", "RUNNING"}
    assert (trials["study"] == "budget-hpo-phase1-phase2_2M").sum() == 2
    assert set(trials[trials["study"] == "budget-hpo-phase1-phase2_2M"]["phase"]) == {"phase2"}

    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "| 2M | shallow | 0.6600 | 0.6600 | 0.6500 | 2 |" in summary
    assert "| 2M | deep | 0.6500 |" in summary and "| 2 | 1 |" in summary  # run 2, failed 1
    assert "Converged: the top 3 of 5 complete trials" in summary
    assert "| 2M | 0.6600 | 0.6800 | +0.0200 | 0 |" in summary  # phase 2 beside phase 1
    # the phase-2 columns are the phase-2 study's own parameters, not a list in the code
    assert "| phase-2 trial | regularization.lr | style | test AUC |" in summary
    assert "| 0.4500 | 0.7500 |" in summary  # baselines
    assert "Parameter importances" in summary and "| regularization.lr |" in summary
    assert f"optuna-dashboard {storage}" in summary
    for name in ("scaling.png", "history.png", "pareto.png"):
        image = mpimg.imread(tmp_path / "out" / name)
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
        assert image.std() > 0.01  # not blank
    assert report.folder == tmp_path / "out" and running.number == 6


def test_queued_forced_configs_are_counted_and_fixed_parameters_get_no_importance(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage, direction="maximize")
    fill(study, [("750k", "shallow", 1e-4, 0.60), ("750k", "deep", 1e-4, 0.62),
                 ("2M", "shallow", 1e-4, 0.66), ("2M", "deep", 1e-4, 0.64)])
    for budget in ("750k", "2M"):  # forced configs still queued: WAITING, not yet given a budget
        study.enqueue_trial({"budget": budget, "style": "deep", "regularization.lr": 1e-3})
    text = summary(storage)
    table = [line for line in text.splitlines() if line.startswith(("| 750k |", "| 2M |", "| nan"))]
    assert "Trials: COMPLETE 4, WAITING 2" in text
    assert len(table) == 4 and "nan" not in text  # one row per budget x style that ran
    importances = text.split("## Parameter importances")[1]
    assert "| budget |" in importances and "| style |" in importances
    assert "| regularization.lr |" not in importances  # one value in every complete trial
    assert "Held fixed in every complete trial (no importance): regularization.lr." in importances

    fixed = optuna.create_study(study_name="budget-hpo-fixed", storage=storage,
                                direction="maximize")
    fill(fixed, [("2M", "deep", 1e-4, v) for v in (0.6, 0.61, 0.62)])
    assert ("**budget-hpo-fixed**: n/a (no parameter took more than one value in the 3 complete "
            "trials)") in summary(storage, ["budget-hpo-fixed"])


@pytest.mark.slow
def test_report_command_names_its_folder_and_the_dashboard(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage, direction="maximize")
    fill(study, [("750k", "shallow", 1e-4, 0.6), ("2M", "deep", 1e-4, 0.7)])
    proc = run_cli("budget-hpo-report", ["--storage", storage, "--out", str(tmp_path / "r")],
                   cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"written to {tmp_path / 'r'}/" in proc.stdout
    assert f"optuna-dashboard {storage}" in proc.stdout
    assert (tmp_path / "r" / "summary.md").exists()


def test_summary_says_whether_the_best_config_beats_the_baselines(tmp_path):
    """A crafted study whose best trial's paired intervals are known: it loses to the linear
    baseline on validation (interval below 0), beats the naive one (above 0), ties on test."""
    storage = f"sqlite:///{tmp_path}/s.db"
    study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage,
                                direction="maximize")
    fill(study, [("750k", "shallow", 1e-4, 0.60)])
    gaps = {"val_minus_linear": (-0.08, -0.12, -0.04), "val_minus_naive": (0.05, 0.02, 0.08),
            "test_minus_linear": (-0.01, -0.05, 0.03), "test_minus_naive": (0.01, -0.02, 0.04)}
    attrs = {"val_auc_low": 0.66, "val_auc_high": 0.74}
    for key, (value, low, high) in gaps.items():
        attrs.update({key: value, f"{key}_low": low, f"{key}_high": high})
    study.add_trial(create_trial(
        params={"budget": "2M", "style": "deep", "regularization.lr": 1e-4}, distributions=DISTS,
        value=0.70, user_attrs={"val_auc": 0.70, "params_exact": PARAMS[("2M", "deep")], **attrs}))
    text = summary(storage)
    assert "| 2M | deep | 0.7000 | 0.7000 [0.660, 0.740] |" in text
    assert ("Best trial 1 on the validation split: loses to the linear baseline (AUC gap -0.0800 "
            "[-0.120, -0.040]); beats the naive baseline (AUC gap +0.0500 [+0.020, +0.080])."
            ) in text
    assert "Best trial 1 on the test split: ties the linear baseline" in text
    assert "ties the naive baseline" in text


LUCK = (0.03, 0.01)  # how far each selected value lies above its config's fresh mean


def replicated_study(tmp_path, gap):
    """2M's best config and 750k's (fresh means 0.70 and 0.70 - gap), each replicated over two
    fresh seeds (its mean -0.01 and +0.01: a fresh SD of 0.0141); their selected values lie
    ``LUCK`` above those means, by different amounts, so pooling them would move the gap."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{tmp_path}/s.db"
    study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage,
                                direction="maximize")
    fill(study, [("2M", "shallow", 1e-4, 0.70 + LUCK[0]),
                 ("750k", "shallow", 1e-4, 0.70 - gap + LUCK[1])])
    replicas = optuna.create_study(study_name="budget-hpo-phase1-replicates", storage=storage,
                                   direction="maximize")
    for of, base in ((0, 0.70), (1, 0.70 - gap)):
        for seed, delta in ((1, -0.01), (2, 0.01)):
            replicas.add_trial(create_trial(
                params={"budget": "2M"}, value=base + delta,
                distributions={"budget": DISTS["budget"]},
                user_attrs={"replicate_of": of, "seed": seed}))
    return storage


@pytest.mark.slow
def test_summary_says_whether_the_top_budget_is_separable_from_the_next(tmp_path):
    far = summary(replicated_study(tmp_path / "a", gap=0.05))
    # fresh seeds only; the selected value beside them
    assert "| 2M | shallow | 0 | 0.6900, 0.7100 | 0.7000 ± 0.0141 | 2 | 0.7300 |" in far
    assert "pooled seed SD 0.0141 over fresh seeds" in far
    assert "2M 0.7000 ± 0.0141 over 2 fresh seeds (selected 0.7300)" in far
    assert "The top budget 2M is separable from the next, 750k: gap 0.0500 > 2 × pooled" in far
    near = summary(replicated_study(tmp_path / "b", gap=0.01))
    assert "The top budget 2M is NOT separable from the next, 750k: gap 0.0100" in near
    assert "the ranking is within seed noise" in near


def test_scaling_points_are_replicate_means_with_seed_sd_bars(tmp_path):
    storage = replicated_study(tmp_path, gap=0.05)
    study = optuna.load_study(study_name="budget-hpo-phase1", storage=storage)
    # a lucky unreplicated 2M shallow trial does not displace the replicated config's mean
    fill(study, [("2M", "shallow", 3e-4, 0.74)])
    report = write_report(storage, tmp_path / "out")
    trials = pd.read_csv(tmp_path / "out" / "trials.csv").set_index("number")
    assert trials.loc[0, "seed_mean"] == pytest.approx(0.70)  # its fresh seeds, not its 0.73
    assert trials.loc[0, "seed_sd"] == pytest.approx(0.0141, abs=1e-4)
    assert trials.loc[0, "seed_n"] == 2 and trials.loc[0, "value"] == pytest.approx(0.73)
    assert pd.isna(trials.loc[2, "seed_mean"])
    done = report.trials[report.trials["state"] == "COMPLETE"].assign(
        kind="phase 1", budget=lambda f: f["params_budget"], style=lambda f: f["params_style"])
    points = {(p[1], p[2]): p for p in _scaling_points(done, maximize=True)}
    top = points[("shallow", PARAMS[("2M", "shallow")])]
    assert top[3] == pytest.approx(0.70) and top[5]
    assert top[4] == pytest.approx((0.0141, 0.0141), abs=1e-4)
    image = mpimg.imread(tmp_path / "out" / "scaling.png")
    assert image.ndim == 3 and image.std() > 0.01


def dataset_study(storage, dataset, rows, gaps=None, family=None):
    suffix = f"-{family}" if family else ""
    study = optuna.create_study(study_name=f"budget-hpo-phase1-{dataset}{suffix}", storage=storage,
                                direction="maximize")
    for key, value in DatasetRecord(dataset).to_attrs().items():
        study.set_user_attr(key, value)
    for key, value in (ModelRecord(family).to_attrs().items() if family else ()):
        study.set_user_attr(key, value)
    fill(study, rows, extra=[{"val_minus_linear": (low + high) / 2, "val_minus_linear_low": low,
                              "val_minus_linear_high": high} for low, high in gaps or []])
    return study


@pytest.mark.slow
def test_cross_dataset_report_compares_winners_and_plots_a_line_per_dataset(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    dataset_study(storage, "binance", [("2M", "shallow", 1e-4, 0.70), ("750k", "deep", 1e-4, 0.64)],
                  gaps=[(0.01, 0.05)])
    dataset_study(storage, "kraken", [("2M", "shallow", 1e-4, 0.61), ("750k", "deep", 1e-4, 0.66)],
                  gaps=[(-0.02, 0.03), (-0.09, -0.01)])
    dataset_study(storage, "other", [("2M", "deep", 1e-4, 0.9)])  # not matched by the glob
    report = write_report(storage, tmp_path / "out", ["budget-hpo-phase1-[bk]*"])
    assert set(report.trials["dataset"]) == {"binance", "kraken"}
    section = (tmp_path / "out" / "summary.md").read_text().split("## Across datasets")[1]
    assert ("| binance | budget-hpo-phase1-binance | 2M × shallow | trial 0: selected value only, "
            "no fresh seeds | 0.7000 |") in section
    assert ("| kraken | budget-hpo-phase1-kraken | 750k × deep | trial 1: selected value only, "
            "no fresh seeds | 0.6600 |") in section
    assert "| val − gbt | val − linear | val − naive |" in section  # a column per baseline
    assert "+0.0300 [+0.010, +0.050]: beats" in section  # binance's gap to the linear baseline
    assert "-0.0500 [-0.090, -0.010]: loses to" in section  # kraken's winner
    # no seed replicates: no winner is separable, so none counts towards agreement
    assert ("- Budget: 0 datasets with a winner separable from its runner-up; nothing to "
            "compare; not separable on binance (no seed SD), kraken (no seed SD).") in section
    assert "- Style: 0 datasets" in section and "| other |" not in section
    image = mpimg.imread(tmp_path / "out" / "datasets.png")
    assert image.ndim == 3 and image.shape[1] > 300 and image.std() > 0.01
    agree = write_report(storage, tmp_path / "out2", ["budget-hpo-phase1-binance",
                                                      "budget-hpo-phase1-other"])
    text = (tmp_path / "out2" / "summary.md").read_text()
    assert ("- Budget: 0 datasets with a winner separable from its runner-up; nothing to "
            "compare; not separable on binance (no seed SD), other (one budget searched).") in text
    assert agree.files[-1].name == "datasets.png"
    text = summary(storage, ["budget-hpo-phase1-binance*"])
    assert "Families on" not in text  # one family per dataset so far
    dataset_study(storage, "binance", [("2M", "deep", 1e-4, 0.75)], family="patchtst")
    text = summary(storage, ["budget-hpo-phase1-binance*"])
    assert "- Families on binance, best first: patchtst 0.7500 (val AUC " in text
    assert "patchtst 0.7500 (val AUC 0.7500" in text and "), itransformer 0.7000 (val AUC " in text
    alone = write_report(storage, tmp_path / "out3", ["budget-hpo-phase1-binance"])
    assert "Across datasets" not in (tmp_path / "out3" / "summary.md").read_text()
    assert "datasets.png" not in [f.name for f in alone.files]


def test_a_glob_that_matches_nothing_is_named(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    dataset_study(storage, "binance", [("2M", "shallow", 1e-4, 0.70)])
    with pytest.raises(ConfigError, match=r"^--study=budget-hpo-x\*"):
        write_report(storage, tmp_path / "out", ["budget-hpo-x*"])


def test_summary_and_bands_cover_every_registered_baseline(tmp_path):
    """The verdicts, the baselines table and the plots' bands iterate the registry: the three
    shipped baselines and one registered by this test, each in its own colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from budget_hpo.report.plots import baseline_bands
    from budget_hpo.trial.baselines import Baseline, naive_scores, registered

    gaps = {"gbt": (-0.03, -0.06, -0.01), "linear": (0.01, -0.02, 0.04),
            "naive": (0.2, 0.15, 0.25), "flip": (0.3, 0.25, 0.35)}
    attrs = {"val_auc": 0.7, "params_exact": PARAMS[("2M", "deep")]}
    for name, (gap, low, high) in gaps.items():
        attrs.update({f"val_minus_{name}": gap, f"val_minus_{name}_low": low,
                      f"val_minus_{name}_high": high, f"{name}_val_auc": 0.7 - gap,
                      f"{name}_val_auc_low": 0.65 - gap, f"{name}_val_auc_high": 0.75 - gap})
    with registered(Baseline("flip", "reversed naive", "tab:red", naive_scores)):
        storage = f"sqlite:///{tmp_path}/s.db"
        study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage,
                                    direction="maximize")
        study.add_trial(create_trial(
            params={"budget": "2M", "style": "deep", "regularization.lr": 1e-4},
            distributions=DISTS, value=0.70, user_attrs=attrs))
        report = write_report(storage, tmp_path / "out")
        fig, ax = plt.subplots()
        baseline_bands(ax, report.trials)
        colors = [line.get_color() for line in ax.get_lines()]
        labels = [line.get_label() for line in ax.get_lines()]
        plt.close(fig)
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert ("Best trial 0 on the validation split: beats the flip baseline (AUC gap +0.3000 "
            "[+0.250, +0.350]); loses to the gbt baseline (AUC gap -0.0300 [-0.060, -0.010]); "
            "ties the linear baseline (AUC gap +0.0100 [-0.020, +0.040]); beats the naive "
            "baseline") in summary
    assert "| naive val AUC | linear val AUC | gbt val AUC | flip val AUC | naive test AUC |" \
        in summary
    assert "| 0.5000 | 0.6900 | 0.7300 | 0.4000 | – |" in summary
    assert colors == ["tab:gray", "tab:green", "tab:purple", "tab:red"]
    assert labels[2] == "gbt baseline 0.730" and len(ax.patches) == 4  # a band each
    assert "flip_val_auc" in pd.read_csv(tmp_path / "out" / "trials.csv").columns


@pytest.mark.slow
def test_a_real_trials_losses_reach_its_attributes_trials_csv_and_the_rescore(compose_cfg,
                                                                            tmp_path):
    """A real smoke trial (two steps ahead): its MSE and MAE with their intervals, as
    result.json has them, in its user attributes, trials.csv and, recomputed from the saved
    forecasts, rescored.csv. A trial saved before the steps were kept is re-scored without
    losses and counted."""
    cfg = compose_cfg([*SMALL, "data.horizon=2"])
    result = run_trial(cfg, output_dir=tmp_path / "job")
    storage = f"sqlite:///{tmp_path}/s.db"
    study = optuna.create_study(study_name="budget-hpo-phase1", storage=storage,
                                direction="maximize")
    space = {"budget": CategoricalDistribution(["750k"]),
             "style": CategoricalDistribution(["shallow", "deep"])}
    trial = study.ask(space)
    other = "deep" if trial.params["style"] == "shallow" else "shallow"  # its own table row
    record = record_result(trial, tmp_path / "job")
    study.tell(trial, result.objective_value)
    old = tmp_path / "old" / FORECASTS  # the same forecasts, as saved before the steps were
    old.parent.mkdir()
    pd.read_parquet(tmp_path / "job" / FORECASTS).drop(
        columns=[REALISED_STEPS, FORECAST_STEPS]).to_parquet(old)
    study.add_trial(create_trial(
        params={"budget": "750k", "style": other}, value=result.objective_value,
        distributions=space,
        user_attrs={**{k: v for k, v in record.to_attrs().items() if not is_loss_name(k)},
                    "forecasts": str(old)}))
    write_report(storage, tmp_path / "out", rescore=cfg.objective)

    attrs = study.trials[0].user_attrs
    trials = pd.read_csv(tmp_path / "out" / "trials.csv").set_index("number")
    rescored = pd.read_csv(tmp_path / "out" / "rescored.csv").set_index("number")
    assert len(loss_names()) == 12
    for key in loss_names():  # val_mse, val_mse_low, val_mse_high, ..., test_mae_high
        assert attrs[key] == trials.loc[0, key] == rescored.loc[0, key] == getattr(result, key)
        assert pd.isna(trials.loc[1, key]) and pd.isna(rescored.loc[1, key])
    for split in ("val", "test"):
        for loss in ("mse", "mae"):
            low, value, high = (trials.loc[0, f"{split}_{loss}{end}"]
                                for end in ("_low", "", "_high"))
            assert 0 < low <= value <= high
    assert rescored.loc[1, "val_auc"] == rescored.loc[0, "val_auc"] == result.val_auc
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "1 without MSE, MAE (forecasts saved before their steps were kept)" in summary
    assert "| val AUC [95% CI] | test AUC | val MSE | val MAE |" in summary
    assert (f"| {result.val_mse:.4f} [{result.val_mse_low:.3f}, {result.val_mse_high:.3f}] | "
            f"{result.val_mae:.4f} [") in summary

"""findings.md and its figures: the laws of a planted trend fitted from the report's own points,
every section present, and a line saying why wherever a section cannot be computed."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from types import SimpleNamespace

import matplotlib.image as mpimg
import pandas as pd
import pytest

from budget_hpo.intervals import Interval
from budget_hpo.laws import HELPS, BudgetLrs, BudgetSeeds, check_extrapolation, fit_law, fit_lr_law
from budget_hpo.phase2.lr_transfer import lr_transfer, trial_points
from budget_hpo.records import LineageRecord
from budget_hpo.report import render_report
from budget_hpo.report.findings import exponent_text, findings_markdown, law_text
from budget_hpo.report.law_fits import POOLED, snapshot_laws, study_laws
from budget_hpo.report.studies import trials_frame
from budget_hpo.report.summary import summary_markdown
from tests.helpers import ANCHORED, run_app
from tests.report.planted import HALF, Planted, mae_of, planted_study, snapshot_of

SECTIONS = ("### Best configs", "### Scaling laws", "### Extrapolation, checked",
            "### Learning rate", "### Winners per budget, and the baselines", "### Within noise")
SIZES = {"750k": (902_785, 801_793), "2M": (2_487_681, 2_237_377),
         "20M": (21_470_000, 21_380_000), "200M": (227_000_000, 199_000_000)}
SEEDS = (-0.004, 0.003, 0.001)  # fresh deviations from the truth: their mean is the truth


def truth(n: float) -> float:
    """The planted law: +0.03 val AUC per tenfold parameters."""
    return 0.60 + 0.03 * math.log10(n / 1e6)


def mse_at(n: float) -> float:
    """The planted loss law: val MSE = 0.5 + 40·N^(−0.3)."""
    return 0.5 + 40 * n**-0.3


MSE_HALF = 0.004  # half the width of the planted MSE's origin interval


def losses(auc: float, n_params: int | None) -> dict[str, float]:
    """A trial's planted losses: its MSE on the power law (moving with its seed's AUC, its
    interval ±MSE_HALF), its MAE without an interval."""
    n = float(n_params or 1)
    mse = mse_at(n) - 0.1 * (auc - truth(n))
    return {"val_mse": mse, "val_mse_low": mse - MSE_HALF, "val_mse_high": mse + MSE_HALF,
            "val_mae": mae_of(auc)}


def lr_at(n: float) -> float:
    """The planted learning rate: 1e-3 at 1M, falling as N^(-1/2)."""
    return 1e-3 * (n / 1e6) ** -0.5


def trend_study():
    """Per budget: shallow, replicated with three fresh seeds (the winner); deep, selected only,
    well below it; and a shallow near-tie at twice the lr, selected only."""
    configs = []
    for budget, (shallow, deep) in SIZES.items():
        t = truth(shallow)
        configs += [
            Planted(budget, "shallow", t + 0.01, tuple(t + d for d in SEEDS), shallow,
                    lr=lr_at(shallow)),
            Planted(budget, "deep", truth(deep) - 0.02, (), deep, lr=lr_at(deep)),
            Planted(budget, "shallow", t + 0.002, (), shallow, lr=2 * lr_at(shallow))]
    return planted_study("budget-hpo-phase1-synthetic", configs, dataset="synthetic",
                         losses=losses)


def winners_points() -> list[BudgetSeeds]:
    """The pooled law's points built by hand: each budget's shallow fresh seeds."""
    return [BudgetSeeds(shallow, tuple(Interval(truth(shallow) + d, truth(shallow) + d - HALF,
                                                truth(shallow) + d + HALF) for d in SEEDS))
            for shallow, _ in SIZES.values()]


def table_rows(text: str, section: str) -> dict[int, list[str]]:
    """The rows of the first table under ``section``, by trial number (third column)."""
    part = text.split(section)[1].split("\n### ")[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in part.splitlines()
            if re.match(r"^\| \S+ \| \S+( ★)? \| \d+ \|", line)]
    return {int(r[2]): r for r in rows}


@pytest.fixture(scope="module")
def trend():
    """The planted trend's snapshot and its findings.md, written once."""
    snapshot = snapshot_of(trend_study())
    return snapshot, findings_markdown(snapshot)


def test_findings_of_a_planted_trend_have_every_section_and_the_laws_numbers(trend):
    _, text = trend
    assert all(section in text for section in SECTIONS)

    law = fit_law(winners_points(), maximize=True)  # the same points, fitted here
    assert law.verdict == HELPS and law.exponent.low < 0.03 < law.exponent.high
    assert (f"| val AUC | styles pooled: 4 budgets, 12 values | {law_text(law, 'val AUC')} "
            f"(log-linear) | {exponent_text(law)} | bigger helps |") in text
    slope = law.exponent
    assert f"slope {slope.value:+.4g} [{slope.low:+.4g}, {slope.high:+.4g}]" in text
    assert f"Verdict, **val AUC: bigger helps** with the styles pooled ({exponent_text(law)})" \
        in text
    check = check_extrapolation(winners_points(), maximize=True)
    assert (f"- val AUC, styles pooled: 200M (227,000,000 parameters) held out, refitted on 3 "
            f"(log-linear): {check}.") in text and check.outcome == "inside"
    mse = fit_law([BudgetSeeds(b.n_params, tuple(Interval(m, m - MSE_HALF, m + MSE_HALF) for m in (
        losses(v.value, b.n_params)["val_mse"] for v in b.values))) for b in winners_points()],
        maximize=False)
    assert mse.kind == "power law" and mse.exponent.low < 0.3 < mse.exponent.high
    assert (f"| val MSE | styles pooled: 4 budgets, 12 values | {law_text(mse, 'val MSE')} "
            f"(power law) | {exponent_text(mse)} | bigger helps |") in text
    mae = fit_law([BudgetSeeds(b.n_params, tuple(Interval(mae_of(v.value), math.nan, math.nan)
                                                 for v in b.values)) for b in winners_points()],
                  maximize=False)
    assert f"| val MAE | styles pooled: 4 budgets, 12 values | {law_text(mae, 'val MAE')}" in text
    assert mae.verdict == HELPS and "Verdict, **val MAE: bigger helps**" in text
    assert "| val AUC | deep: 4 budgets, 4 values |" in text  # selected values only

    # the lr law phase 2 starts from: each budget's three best trials by value, at the count of
    # its best (shallow, its near-tie at twice the lr, deep)
    lrs = fit_lr_law([BudgetLrs(shallow, (lr_at(shallow), 2 * lr_at(shallow), lr_at(deep)))
                      for shallow, deep in SIZES.values()])
    up = lrs.predict(10 * 227_000_000)
    assert (f"| next up (10× the largest) | 2,270,000,000 | – | "
            f"**{up.value:.3g} [{up.low:.3g}, {up.high:.3g}]** |") in text
    top = ", ".join(f"{x:.3g}" for x in (lr_at(2_487_681), 2 * lr_at(2_487_681),
                                         lr_at(2_237_377)))
    assert f"| 2M | 2,487,681 | {top} |" in text
    assert f"Slope b = {lrs.slope.value:+.3g}" in text and lrs.slope.value == pytest.approx(-0.5)
    assert "Phase 2: no phase-2 study of this phase in the report" in text

    assert "naive val AUC 0.5 [0.47, 0.53]; linear val AUC 0.58 [0.55, 0.61]" in text
    winners = [line for line in text.split("### Winners per budget")[1].splitlines()
               if re.match(r"^\| \d", line)]
    assert [w.split(" | ")[1] for w in winners] == [f"shallow, trial {n}" for n in (0, 3, 6, 9)]
    gaps = [w.split(" | ")[5] for w in winners]  # val − linear, over the fresh seeds
    assert [g.rsplit(": ", 1)[1] for g in gaps] == ["ties", "beats", "beats", "beats"]
    assert "- Budget: 200M over 20M: gap 0.0307 > 2 × pooled seed SD (0.0072): separable." \
        in text
    assert ("- Style: shallow over deep (selected value only): gap 0.0217 > 2 × pooled seed SD "
            "(0.0072): separable.") in text  # the runner-up of another style is named
    assert "- Laws with no evidence either way: none." in text


def test_the_laws_points_are_the_report_tables_fresh_seed_means(trend):
    snapshot, text = trend
    trials = trials_frame(snapshot).set_index("number")  # trials.csv
    summary = summary_markdown(snapshot)
    configs = table_rows(text, "### Best configs")
    pooled = next(f for f in study_laws(snapshot.studies[0]).laws
                  if f.group == POOLED and f.metric.name == "auc")
    assert [c.trial.number for c, _ in pooled.points] == [0, 3, 6, 9]  # each budget's winner
    for config, seeds in pooled.points:
        mean = trials.loc[config.trial.number, "seed_mean"]
        assert seeds.mean == pytest.approx(mean)  # what the law is fitted to
        assert float(configs[config.trial.number][4].split(" [")[0]) == pytest.approx(mean,
                                                                                      abs=5e-5)
        assert configs[config.trial.number][1] == "shallow ★"
        assert f"| {config.budget} | shallow | {config.trial.number} | " in summary
        assert f"| {mean:.4f} ± " in summary
    assert "selected value only, no fresh seeds" in configs[1][-1]  # deep: said, not hidden


def one_budget():
    """One budget, two styles, no seed replicates."""
    return planted_study("budget-hpo-phase1", [
        Planted("2M", "shallow", 0.70, (), 2_487_681), Planted("2M", "deep", 0.68, (), 2_237_377)])


def test_a_section_that_cannot_be_computed_says_why():
    """One budget, no seed replicates: every section is there, each saying why in one line."""
    text = findings_markdown(snapshot_of(one_budget()))
    assert all(section in text for section in SECTIONS)
    assert "no seed replicates: every value is a selected value only" in text
    assert ("| val AUC | styles pooled: 1 budget, 1 value | no law: one distinct parameter "
            "count (2,487,681) among 1 budget: a law needs two | – | – |") in text
    assert "- val AUC: no check (one distinct parameter count (2,487,681)" in text
    assert "| val MSE | – | val MSE not recorded by these trials | – | – |" in text
    assert "One budget: its best learning rate at every size (slope 0)." in text
    assert ("- Budget: 2M (selected value only): the only budget searched, no runner-up to "
            "separate it from.") in text
    assert "- Style: shallow (selected value only) over deep (selected value only): gap 0.0200; "\
        "cannot be said: no replicated config has two fresh seeds" in text


def test_the_lr_law_is_set_against_the_best_learning_rate_phase_2_found():
    """A phase 2 at 2M (a 2,000,000-parameter budget): the law's prediction there, which its
    first trial started at, against its best trial's learning rate."""
    parent = trend_study()
    at_2m = {"budget_params": 2_000_000}
    child = replace(planted_study(f"{parent.name}-phase2_2M", [
        Planted("2M", "shallow", 0.63, (), 2_487_681, lr=9e-4, record=at_2m),
        Planted("2M", "shallow", 0.66, (), 2_487_681, lr=1e-2, record=at_2m)]),
        lineage=LineageRecord(parent.name))
    laws = snapshot_laws(snapshot_of(parent, child))
    assert len(laws) == 1 and len(laws[0].lr.phase2) == 1
    check = laws[0].lr.phase2[0]
    predicted = phase_lr_law(parent, 2_000_000)
    assert check.predicted == predicted and check.lr == 1e-2 and check.best.trial.number == 1
    assert check.outcome == "outside: above" and predicted.high < 1e-2
    text = findings_markdown(snapshot_of(parent, child))
    assert (f"- 2M (`{child.name}`): predicted {predicted.value:.3g} [{predicted.low:.3g}, "
            f"{predicted.high:.3g}] at 2,000,000 parameters; its best trial 1 ran at 0.01: "
            "outside: above.") in text


def phase_lr_law(study, n_params):
    """What a phase-2 file of ``study`` predicts at ``n_params``: its own rule, on the trials as
    Optuna gives them."""
    trials = [SimpleNamespace(params=t.params, user_attrs=t.record.to_attrs(), value=t.value)
              for t in study.complete]
    transfer = lr_transfer(trial_points(trials), maximize=True)
    assert transfer is not None
    return transfer.predict(n_params)


def test_a_study_without_complete_trials_still_gets_every_section(tmp_path):
    empty = planted_study("budget-hpo-phase1", [])
    text = findings_markdown(snapshot_of(empty))
    assert all(section in text for section in SECTIONS)
    assert "No complete trial: no config to report." in text
    assert ("No learning-rate law: no trial recorded both its learning rate and its exact "
            "count.") in text


def test_the_figures_draw_the_law_its_band_and_the_held_out_prediction(trend):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from budget_hpo.report.law_plots import _lr_panel, _panel

    snapshot, _ = trend
    laws = study_laws(snapshot.studies[0])
    pooled = next(f for f in laws.laws if f.group == POOLED and f.metric.name == "auc")
    fig, (ax, lr_ax) = plt.subplots(1, 2)
    _panel(ax, laws, pooled.metric)
    _lr_panel(lr_ax, laws)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"styles pooled: bigger helps", "its 95% band", "shallow: bigger helps",
            "deep: bigger helps", "refit without 200M", "its budget's winner",
            "its prediction at 200M [95%]: measured inside"} <= set(labels)
    (line,) = [x for x in ax.get_lines() if x.get_label() == "styles pooled: bigger helps"]
    sizes, values = line.get_data()
    assert values == pytest.approx([pooled.law.curve.at(n) for n in sizes])  # the fitted law
    assert (sizes[0], sizes[-1]) == pytest.approx((902_785, 227_000_000))
    lr_labels = [t.get_text() for t in lr_ax.get_legend().get_texts()]
    up = laws.lr.law.predict(laws.lr.next_up)
    assert f"next up, 2,270,000,000: {up.value:.3g} [{up.low:.3g}, {up.high:.3g}]" in lr_labels
    plt.close(fig)


@pytest.mark.slow
def test_the_report_folder_holds_findings_and_both_figures(tmp_path):
    """render_report writes findings.md (as findings_markdown gives it) and both figures, for
    the planted trend and for one budget without replicates alike."""
    for name, study in (("trend", trend_study()), ("one", one_budget())):
        snapshot = snapshot_of(study)
        report = render_report(snapshot, tmp_path / name)
        assert {"findings.md", "scaling_law.png", "lr_transfer.png"} <= {
            f.name for f in report.files}
        assert (tmp_path / name / "findings.md").read_text() == findings_markdown(snapshot)
        scaling = mpimg.imread(tmp_path / name / "scaling_law.png")
        lr = mpimg.imread(tmp_path / name / "lr_transfer.png")
        assert scaling.std() > 0.01 and lr.std() > 0.01
        if name == "trend":  # a panel per recorded metric: AUC, MSE and MAE
            assert scaling.shape[1] > 2 * lr.shape[1]


@pytest.mark.slow
def test_a_real_phase_of_four_budgets_ends_with_findings_and_both_figures(tmp_path):
    """The real iTransformer at four small budgets (the forced shallow and deep configs, each
    budget's best rerun with two fresh seeds) through a Hydra multirun: the phase's report
    holds findings.md with every section, fitted laws, and both figures."""
    storage = f"sqlite:///{tmp_path}/study.db"
    small = [o for o in ANCHORED if not o.startswith("search.replicates.seeds")]
    proc = run_app(["-m", "search=phase1", "search.budgets=[100k,200k,400k,800k]",
                    "hydra.sweeper.n_trials=8", f"hydra.sweeper.storage={storage}",
                    f"hydra.sweep.dir={tmp_path}/sweep",
                    f"search.phase2.config_dir={tmp_path}/generated", *small,
                    "search.replicates.seeds=2", "search.replicates.top_k=1"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = tmp_path / "sweep" / "report"
    text = (report / "findings.md").read_text()
    assert all(section in text for section in SECTIONS)
    for metric in ("AUC", "MSE", "MAE"):  # the losses the trials record get their laws too
        assert f"| val {metric} | styles pooled: 4 budgets, 8 values |" in text  # 2 fresh seeds
    assert "- val AUC, styles pooled: 800k (" in text and "held out, refitted on 3" in text
    assert "| next up (10× the largest) |" in text
    trials = pd.read_csv(report / "trials.csv").set_index("number")
    configs = table_rows(text, "### Best configs")
    winners = [n for n, row in configs.items() if row[1].endswith("★")]
    assert len(winners) == 4
    for number in winners:  # the law's points are the table's fresh-seed means
        assert float(configs[number][4].split(" [")[0]) == pytest.approx(
            trials.loc[number, "seed_mean"], abs=5e-5)
    for name in ("scaling_law.png", "lr_transfer.png"):
        image = mpimg.imread(report / name)
        assert image.ndim == 3 and image.shape[1] > 500 and image.std() > 0.01

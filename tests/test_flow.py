"""The whole flow: phase 1 -> phase-2 files and report -> phase 2 -> report.

The sweeps, ``budget-hpo-phase2`` and ``budget-hpo-report`` run in this process through the
functions their console scripts call (:func:`tests.helpers.run_app`); the console scripts as
real processes are tested in test_cli, report/test_report and test_packaging.
"""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pandas as pd
import pytest
import yaml
from optuna.trial import TrialState

from budget_hpo.phase2.lr_transfer import lr_transfer, trial_points
from budget_hpo.trial.synthetic import synthetic_panel
from tests.helpers import NO_REPORT, compose, run_app

pytestmark = pytest.mark.slow


def test_phase1_writes_phase2_files_and_report_then_phase2_runs(tmp_path):
    """Phase 1 on the user's CSV with non-default training and lookback; phase 2 must measure
    the same experiment (same file, steps, lookback), only the phase-2 dimensions changing."""
    storage = f"sqlite:///{tmp_path}/study.db"
    conf = tmp_path / "generated"
    data = tmp_path / "prices.csv"
    synthetic_panel(compose(["data.generator.n_series=6", "data.generator.length=500"]
                            ).data.generator).to_csv(data, index=False)
    experiment = ["data=csv", f"data.path={data}", "data.val_size=60", "data.test_size=60",
                  "trainer.max_steps=4", "trainer.eval_step=6", "model.input_size=32", "logger=csv"]
    phase1 = ["-m", "search=phase1", "search.budgets=[750k,2M]", "hydra.sweeper.n_trials=8",
              f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp_path}/p1",
              f"search.phase2.config_dir={conf}", "search.forced=false",
              "search.replicates.seeds=0", *experiment]
    proc = run_app(phase1, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = sorted(p.name for p in (conf / "search" / "budget-hpo-phase1-prices").iterdir())
    assert len(files) == 2 and all(f.startswith("phase2_") and f.endswith(".yaml") for f in files)
    report = tmp_path / "p1" / "report"
    trials = pd.read_csv(report / "trials.csv")
    assert len(trials) == 8 and (report / "scaling.png").stat().st_size > 5_000
    text = (report / "summary.md").read_text()
    assert "budget-hpo-phase1-prices" in text and "## Training curves" in text
    curves = [line.split("(")[-1].rstrip(")") for line in text.splitlines()
              if line.startswith("- budget-hpo-phase1-prices trial")]
    assert len(curves) == (trials["state"] == "COMPLETE").sum() > 0
    assert all((Path(c) / "metrics.csv").is_file() for c in curves)

    # the on-demand command regenerates byte-identical files
    folder = conf / "search" / "budget-hpo-phase1-prices"
    before = {f: (folder / f).read_bytes() for f in files}
    again = run_app([f"hydra.sweeper.storage={storage}", f"search.phase2.config_dir={conf}",
                     *experiment], cwd=tmp_path, command="budget-hpo-phase2")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("unchanged:") == 2
    assert {f: (folder / f).read_bytes() for f in files} == before

    budget = files[0].removeprefix("phase2_").removesuffix(".yaml")
    phase2 = ["-m", "--config-dir", str(conf), f"search=budget-hpo-phase1-prices/phase2_{budget}",
              "hydra.sweeper.n_trials=3", f"hydra.sweep.dir={tmp_path}/p2"]  # nothing else
    proc = run_app(phase2, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    study = optuna.load_study(study_name=f"budget-hpo-phase1-prices-phase2_{budget}", storage=storage)
    assert len(study.trials) == 3 and study.user_attrs["parent_study"] == "budget-hpo-phase1-prices"
    # its first trial runs the lr that phase 1's lr law predicts at the budget's count
    spec = yaml.safe_load((folder / files[0]).read_text())
    phase1_study = optuna.load_study(study_name="budget-hpo-phase1-prices", storage=storage)
    law = lr_transfer(trial_points(phase1_study.get_trials(states=(TrialState.COMPLETE,))),
                      maximize=True)
    assert law is not None and law.law.n_budgets == 2
    predicted = law.predict(spec["budget"]["params"])
    assert spec["search"]["first_trial"]["regularization.lr"] == pytest.approx(predicted.value,
                                                                               rel=1e-5)
    first = study.trials[0]
    assert first.user_attrs["forced_id"] == "first-trial"
    assert first.params["regularization.lr"] == pytest.approx(
        min(max(predicted.value, 5e-6), 2e-3), rel=1e-5)
    for job in (tmp_path / "p2").glob("[0-9]*"):  # the same file, steps and lookback
        if not (job / "result.json").is_file():
            continue
        result = json.loads((job / "result.json").read_text())
        assert (result["n_series"], result["train_steps"]) == (6, 4)
        job_cfg = yaml.safe_load((job / ".hydra" / "config.yaml").read_text())
        assert job_cfg["data"]["path"] == str(data) and job_cfg["model"]["input_size"] == 32
    for trial in study.trials:
        assert trial.params["budget"] == budget
        assert set(trial.params) == {"budget", "model.n_heads", "regularization.lr",
                                     "regularization.weight_decay", "model.batch_size"}
        assert 5e-6 <= trial.params["regularization.lr"] <= 2e-3
        assert 0.05 <= trial.params["regularization.weight_decay"] <= 0.1
        if trial.state.name == "COMPLETE":
            assert trial.user_attrs["n_heads"] == trial.params["model.n_heads"]

    out = run_app(["--storage", storage, "--out", str(tmp_path / "rep")], cwd=tmp_path,
                  command="budget-hpo-report")
    assert out.returncode == 0, out.stderr
    summary = (tmp_path / "rep" / "summary.md").read_text()
    assert "Phase 2 beside phase 1" in summary and f"| {budget} |" in summary
    # re-scored from the saved forecasts, without training: the same threshold, the same AUCs
    out = run_app(["--storage", storage, "--study", "budget-hpo-phase1-*",
                   "--out", str(tmp_path / "re"), "--rescore", "objective.threshold=0.0"],
                  cwd=tmp_path, command="budget-hpo-report")
    assert out.returncode == 0, out.stderr
    scored = pd.read_csv(tmp_path / "re" / "trials.csv")
    scored = scored[scored["state"] == "COMPLETE"].set_index(["study", "number"])
    rescored = pd.read_csv(tmp_path / "re" / "rescored.csv").set_index(["study", "number"])
    assert len(rescored) == len(scored) > 0  # phase 1 and its phase 2, every complete trial
    for column in ("val_auc", "test_auc", "linear_val_auc", "val_minus_linear_low"):
        assert (rescored[column] == scored.loc[rescored.index, column]).all(), column
    assert "Re-scored at objective.threshold=0" in (tmp_path / "re" / "summary.md").read_text()
    (row,) = [line for line in summary.split("Phase 2 beside phase 1")[1].splitlines()
              if line.startswith(f"| {budget} |")]
    assert row.split("|")[2].strip() != "–"  # linked to its phase 1 through the recorded parent


def test_two_datasets_then_the_cross_dataset_report(tmp_path):
    """Each dataset's phase 1 is its own study (named after the file); the report given a glob
    of them compares the winners and draws one line per dataset."""
    storage = f"sqlite:///{tmp_path}/study.db"
    for name, seed in (("binance", 1), ("kraken", 2)):
        synthetic_panel(compose(["data.generator.n_series=6", "data.generator.length=400",
                                 f"data.generator.seed={seed}"]).data.generator
                        ).to_csv(tmp_path / f"{name}.csv", index=False)
        args = ["-m", "search=phase1", "data=csv", f"data.path={tmp_path}/{name}.csv",
                "data.val_size=60", "data.test_size=60", "trainer=smoke", "trainer.eval_step=6",
                "search.budgets=[750k]", "hydra.sweeper.n_trials=2", "search.replicates.seeds=0",
                "forced=seed18",  # the seed's two 750k configs: n_trials runs them both
                f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp_path}/{name}",
                f"search.phase2.config_dir={tmp_path}/generated",
                NO_REPORT]  # no report per phase: the cross-dataset one below is read
        proc = run_app(args, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr[-3000:]
    names = sorted(p.name for p in (tmp_path / "generated" / "search").iterdir())
    assert names == ["budget-hpo-phase1-binance", "budget-hpo-phase1-kraken"]  # namespaced
    out = run_app(["--storage", storage, "--study", "budget-hpo-phase1-*",
                   "--out", str(tmp_path / "cross")], cwd=tmp_path, command="budget-hpo-report")
    assert out.returncode == 0, out.stderr
    section = (tmp_path / "cross" / "summary.md").read_text().split("## Across datasets")[1]
    rows = [line for line in section.splitlines() if line.startswith("| binance |")
            or line.startswith("| kraken |")]
    assert len(rows) == 2 and all("750k ×" in row for row in rows)
    assert ("- Budget: 0 datasets with a winner separable from its runner-up; nothing to "
            "compare; not separable on binance (one budget searched), kraken (one budget "
            "searched).") in section  # one budget each: no winner to agree on
    trials = pd.read_csv(tmp_path / "cross" / "trials.csv")
    assert sorted(set(trials["dataset"])) == ["binance", "kraken"] and len(trials) == 4
    import matplotlib.image as mpimg

    image = mpimg.imread(tmp_path / "cross" / "datasets.png")
    assert image.ndim == 3 and image.shape[1] > 300 and image.std() > 0.01

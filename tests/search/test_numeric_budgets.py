"""Budgets as numbers through a real phase 1, and a user's own budget and style from each kind of
config directory, in the plan and in a sweep."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from budget_hpo.records import PhaseEndRecord
from budget_hpo.search.plan import plan_rows
from tests.helpers import ANCHORED, NO_REPORT, run_app

TINY_ANCHORED = [*ANCHORED, "model=tiny"]  # the default forced configs: the anchors rule

optuna.logging.set_verbosity(optuna.logging.WARNING)


def own_conf(root: Path) -> Path:
    """A user's config dir: a pinned 50M budget and a fixed-depth style."""
    conf = root / "myconf"
    (conf / "budget").mkdir(parents=True)
    (conf / "style").mkdir()
    (conf / "budget" / "50M.yaml").write_text(
        "name: 50M\nparams: 50000000\npinned:\n  itransformer:\n"
        "    shallow: {d_model: 1024, n_layers: 4, n_heads: 16}\n")
    (conf / "style" / "four.yaml").write_text("name: four\nn_layers: 4\n")
    return conf


OWN = ["search=phase1", "search.budgets=[2M,50M]", "forced.styles=[shallow,four]",
       "style=choice(shallow,four)"]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["./conf", "--config-dir", "BUDGET_HPO_CONFIG_DIR"])
def test_a_users_budget_and_style_reach_the_plan_from_any_config_dir(tmp_path, monkeypatch, how):
    conf = own_conf(tmp_path)
    args = list(OWN)
    if how == "./conf":
        conf.rename(tmp_path / "conf")
        monkeypatch.chdir(tmp_path)
    elif how == "--config-dir":
        args = ["--config-dir", str(conf), *args]
    else:
        monkeypatch.setenv("BUDGET_HPO_CONFIG_DIR", str(conf))
    rows = {r.trial.id: r for r in plan_rows(args)}
    pinned, four = rows["G1-50M-shallow"], rows["G1-50M-four"]
    assert (pinned.sized.shape, pinned.sized.arch.d_model, pinned.sized.arch.n_layers) == (
        "pinned", 1024, 4)
    assert (four.sized.shape, four.sized.arch.n_layers) == ("solved", 4)
    assert abs(four.params_exact / 50_000_000 - 1) <= 0.1
    assert rows["G1-2M-four"].sized.arch.n_layers == 4


@pytest.mark.slow
def test_a_phase1_on_numeric_budgets_runs_its_generated_forced_configs_then_tpe(tmp_path):
    storage = f"sqlite:///{tmp_path}/study.db"
    proc = run_app(["-m", "search=phase1", "search.budgets=[1M,5e6]", "hydra.sweeper.n_trials=19",
                    f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp_path}/sweep",
                    f"search.phase2.config_dir={tmp_path}/generated",
                    "search.early_stop.enabled=false", *TINY_ANCHORED, NO_REPORT], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    study = optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=storage)
    trials = study.trials
    # search.report=false: the phase ends (phase-2 files below, the end recorded) without a report
    assert not (tmp_path / "sweep" / "report").exists()
    assert f"budget-hpo-report --storage {storage} --study budget-hpo-phase1-synthetic" in (
        proc.stdout + proc.stderr)
    end = PhaseEndRecord.from_study_attrs(study.user_attrs)
    assert end is not None and end.done
    assert len(trials) == 19 and all(t.state == TrialState.COMPLETE for t in trials)
    forced = [t.user_attrs.get("forced_id") for t in trials if t.user_attrs.get("forced")]
    assert forced == [  # the anchors rule on [1M, 5M]: main 1M, the cross-budget checks at 5M
        "G1-1M-shallow", "G1-1M-deep", "G1-5M-shallow", "G1-5M-deep",
        "G2-dropout-0.1-1M", "G2-dropout-0.3-1M", "G2-dropout-0.7-1M", "G2-dropout-0.1-5M",
        "G3-lr-1e-5-1M", "G3-lr-1e-3-1M", "G3-lr-1e-5-5M",
        "G4-wd-0-1M", "G4-wd-1e-2-1M", "G4-wd-0-5M",
    ]
    assert [t.user_attrs["forced"] for t in trials] == [True] * 14 + [False] * 5
    for trial in trials:
        a = trial.user_attrs
        assert trial.params["budget"] in {"1M", "5M"} and a["budget"] == trial.params["budget"]
        assert a["budget_params"] == {"1M": 1_000_000, "5M": 5_000_000}[a["budget"]]
        assert a["shape"] == "solved" and a["model"] == "tiny"
    specs = sorted((tmp_path / "generated" / "search" / "budget-hpo-phase1-synthetic").iterdir())
    assert [p.name for p in specs] == ["phase2_1M.yaml", "phase2_5M.yaml"]
    text = specs[1].read_text()
    assert "params: 5000000" in text and "pinned:" in text


@pytest.mark.slow
def test_a_phase1_sweep_runs_a_users_budget_and_style_from_config_dir(tmp_path):
    conf = own_conf(tmp_path)
    storage = f"sqlite:///{tmp_path}/study.db"
    proc = run_app(["-m", "--config-dir", str(conf), *OWN, "hydra.sweeper.n_trials=4",
                    "search.early_stop.enabled=false", f"hydra.sweeper.storage={storage}",
                    f"hydra.sweep.dir={tmp_path}/sweep",
                    f"search.phase2.config_dir={tmp_path}/generated", *TINY_ANCHORED, NO_REPORT],
                   cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    trials = optuna.load_study(study_name="budget-hpo-phase1-synthetic", storage=storage).trials
    ran = {t.user_attrs["forced_id"]: t.user_attrs for t in trials
           if t.state == TrialState.COMPLETE}  # the forced configs after n_trials stay WAITING
    assert set(ran) == {"G1-2M-shallow", "G1-2M-four", "G1-50M-shallow", "G1-50M-four"}
    assert (ran["G1-50M-shallow"]["d_model"], ran["G1-50M-shallow"]["n_layers"]) == (1024, 4)
    assert ran["G1-50M-shallow"]["shape"] == "pinned"
    assert ran["G1-50M-four"]["n_layers"] == ran["G1-2M-four"]["n_layers"] == 4
    assert ran["G1-2M-shallow"]["shape"] == "pinned"  # the package's 2M file still pins

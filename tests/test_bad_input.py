"""The bad-input table: every row is one bad value a researcher may type or ship, across the CLI,
configs, data files, storage URLs and sweep settings. Each must stop with exit code 2 and one
line on stderr naming the key, no traceback, and leave an existing study unchanged.

The console entry points run in-process (the same code path as the installed scripts); a
representative few run as real subprocesses at the end.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from optuna.distributions import CategoricalDistribution, distribution_to_json
from optuna.trial import create_trial

from budget_hpo import cli
from budget_hpo.records import SpaceRecord
from budget_hpo.report import cli as report_cli
from tests.helpers import SMALL, run_cli

optuna.logging.set_verbosity(optuna.logging.WARNING)

STUDY = "budget-hpo-phase1-synthetic"


def series(tmp: Path, name: str = "data.csv", n: int = 3, length: int = 500,
           edit: Callable[[pd.DataFrame], pd.DataFrame] | None = None, **kw: object) -> str:
    """A long CSV (dates as text) that a row then breaks with ``edit``."""
    rng = np.random.default_rng(0)
    dates = pd.date_range("2024-01-01", periods=length, freq="D").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"unique_id": np.repeat([f"s{i}" for i in range(n)], length),
                          "ds": np.tile(dates, n), "y": rng.standard_normal(n * length)})
    frame = edit(frame) if edit else frame
    path = tmp / name
    frame.to_csv(path, index=False, **kw)  # type: ignore[arg-type]
    return str(path)


def _shifted(tmp: Path) -> str:
    """A second file like :func:`series` whose dates start 3 days later."""
    frame = pd.read_csv(series(tmp))
    frame["ds"] = (pd.to_datetime(frame["ds"]) + pd.Timedelta(days=3)).dt.strftime("%Y-%m-%d")
    path = tmp / "later.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _set(frame: pd.DataFrame, row: int, col: str, value: object) -> pd.DataFrame:
    frame = frame.copy()
    frame[col] = frame[col].astype(object)
    frame.loc[row, col] = value
    return frame


# (id, files to make -> extra args, the key the line must name)
TRIAL_ROWS: list[tuple[str, Callable[[Path], list[str]], str]] = [
    ("budget that is no count", lambda t: ["budget=fast"], "budget=fast"),
    ("budget zero", lambda t: ["budget=0"], "budget=0"),
    ("negative budget", lambda t: ["budget=-2M"], "budget=-2M"),
    ("budget count that is no count", lambda t: ["budget.params=lots"], "budget.params=lots"),
    ("budget below the model's reach", lambda t: ["budget=5k"], "budget=5k"),
    ("tolerance outside (0, 1)", lambda t: ["budget.tolerance=1.5"], "budget.tolerance=1.5"),
    ("style with two rules", lambda t: ["style.n_layers=3"], "style=shallow"),
    ("negative aspect", lambda t: ["style.aspect=-1"], "style.aspect=-1.0"),
    ("heads that divide no d_model", lambda t: ["model.n_heads=5"], "model.n_heads=5"),
    ("fedformer heads", lambda t: ["model=fedformer", "model.n_heads=4"], "model.n_heads=4"),
    ("style option", lambda t: ["style=wide"], "style=wide"),
    ("regularization option", lambda t: ["regularization=strong"], "regularization=strong"),
    ("model option", lambda t: ["model=lstm"], "model=lstm"),
    ("data option", lambda t: ["data=excel"], "data=excel"),
    ("trainer option", lambda t: ["trainer=tpu"], "trainer=tpu"),
    ("objective option", lambda t: ["objective=mape"], "objective=mape"),
    ("search option", lambda t: ["search=phase3"], "search=phase3"),
    ("forced option", lambda t: ["forced=seed99"], "forced=seed99"),
    ("dropout 1", lambda t: ["regularization.dropout=1.0"], "regularization.dropout="),
    ("dropout negative", lambda t: ["regularization.dropout=-0.1"], "regularization.dropout="),
    ("lr zero", lambda t: ["regularization.lr=0"], "regularization.lr="),
    ("weight decay negative", lambda t: ["regularization.weight_decay=-0.01"],
     "regularization.weight_decay="),
    ("n_heads not a divisor", lambda t: ["model.n_heads=7"], "model.n_heads=7"),
    ("FEDformer heads but 8", lambda t: ["model=fedformer", "model.n_heads=4"], "model.n_heads=4"),
    ("patch longer than the lookback", lambda t: ["model=patchtst", "model.kwargs.patch_len=65"],
     "model.kwargs.patch_len=65"),
    ("batch size zero", lambda t: ["model.batch_size=0"], "model.batch_size=0"),
    ("input size zero", lambda t: ["model.input_size=0"], "model.input_size=0"),
    ("ff_mult zero", lambda t: ["model.ff_mult=0"], "model.ff_mult=0"),
    ("loss", lambda t: ["model.loss=huber"], "model.loss=huber"),
    ("devices zero", lambda t: ["trainer.devices=0"], "trainer.devices=0"),
    ("horizon zero", lambda t: ["data.horizon=0"], "data.horizon=0"),
    ("market share above 1", lambda t: ["data.generator.market_share=1.5"],
     "data.generator.market_share=1.5"),
    ("val_size below horizon", lambda t: ["data.horizon=3", "data.val_size=2"], "data.val_size=2"),
    ("max_steps zero", lambda t: ["trainer.max_steps=0"], "trainer.max_steps=0"),
    ("eval_step zero", lambda t: ["trainer.eval_step=0"], "trainer.eval_step=0"),
    ("eval_step beyond the splits", lambda t: ["trainer.eval_step=500"], "trainer.eval_step=500"),
    ("accelerator", lambda t: ["trainer.accelerator=tpu"], "trainer.accelerator=tpu"),
    ("threads zero", lambda t: ["trainer.num_threads=0"], "trainer.num_threads=0"),
    ("direction against the objective", lambda t: ["objective.direction=minimize"],
     "objective.direction=minimize"),
    ("threshold leaves one class", lambda t: ["objective.threshold=100"], "objective.threshold="),
    ("csv without path", lambda t: ["data=csv"], "data.path="),
    ("csv not found", lambda t: ["data=csv", f"data.path={t}/nope.csv"], "data.path="),
    ("format", lambda t: ["data=csv", f"data.path={series(t)}", "data.format=xls"],
     "data.format=xls"),
    ("layout", lambda t: ["data=csv", f"data.path={series(t)}", "data.layout=diagonal"],
     "data.layout=diagonal"),
    ("transform", lambda t: ["data=csv", f"data.path={series(t)}", "data.transform=log"],
     "data.transform=log"),
    ("nan policy", lambda t: ["data=csv", f"data.path={series(t)}", "data.nan_policy=drop"],
     "data.nan_policy=drop"),
    ("header-only csv", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: f.iloc[:0])}"],
     "data.path="),
    ("text in the target", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: _set(f, 7, 'y', 'abc'))}"],
     "data.target_col (y)="),
    ("a time that is not a date", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: _set(f, 9, 'ds', 'soon'))}"],
     "data.time_col="),
    ("inf in a series", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: _set(f, 11, 'y', np.inf))}"],
     "data.path="),
    ("one instant spelt twice", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: _set(f, 1, 'ds', '2024-01-01 00:00:00'))}"],
     "data.path="),
    ("misaligned series", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: f.drop(index=[3, 4]))}"],
     "data.path="),
    ("constant series", lambda t: ["data=csv", f"data.path={series(t, edit=lambda f: f.assign(y=np.where(f.unique_id == 's1', 1.0, f.y)))}"],
     "data.path="),
    ("log of negative values", lambda t: ["data=csv", f"data.path={series(t)}", "data.transform=log_diff"],
     "data.transform=log_diff"),
    ("too short for the splits", lambda t: ["data=csv", f"data.path={series(t, length=120)}"],
     "data="),
    ("logger option", lambda t: ["logger=wandb"], "logger=wandb"),
    ("logger every zero", lambda t: ["logger=csv", "logger.every_n_steps=0"],
     "logger.every_n_steps=0"),
    ("pooled files misaligned", lambda t: ["data=csv", f"data.paths=[{series(t)},{_shifted(t)}]"],
     "data.paths="),
    ("pooled files, unknown alignment", lambda t: ["data=csv", "data.align=loose",
                                                   f"data.paths=[{series(t)},{_shifted(t)}]"],
     "data.align=loose"),
    ("path and paths together", lambda t: ["data=csv", f"data.path={series(t)}",
                                          f"data.paths=[{series(t)}]"], "data.paths="),
    ("ffill past a series' end", lambda t: ["data=csv", "data.nan_policy=ffill", f"data.path={series(t, edit=lambda f: _set(f, 499, 'y', np.nan))}"],
     "data.nan_policy=ffill"),
]


def _call(monkeypatch, capsys, main: Callable[[], None], argv: list[str]) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_info:
        main()
    return int(exit_info.value.code or 0), capsys.readouterr().err


def assert_one_line(code: int, err: str, key: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert len(lines) == 1, err
    assert key in lines[0], lines[0]
    assert "Traceback" not in err


@pytest.mark.parametrize(("case", "make", "key"), TRIAL_ROWS, ids=[r[0] for r in TRIAL_ROWS])
def test_bad_trial_input_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, case, make, key):
    args = make(tmp_path)
    extra = [] if any(a.startswith("data=csv") for a in args) else SMALL
    code, err = _call(monkeypatch, capsys, cli.main,
                      ["budget-hpo", *extra, *args, f"hydra.run.dir={tmp_path}/run"])
    assert_one_line(code, err, key)
    assert not list(tmp_path.rglob("result.json"))  # nothing trained


def existing_study(tmp: Path) -> str:
    """A phase-1 study with one finished trial and its space recorded."""
    storage = f"sqlite:///{tmp}/study.db"
    study = optuna.create_study(study_name=STUDY, storage=storage, direction="maximize")
    space = {"budget": CategoricalDistribution(["750k"])}
    study.add_trial(create_trial(params={"budget": "750k"}, value=0.6, distributions=space))
    for key, value in SpaceRecord({k: distribution_to_json(v) for k, v in space.items()}
                                  ).to_attrs().items():
        study.set_user_attr(key, value)
    return storage


def snapshot(storage: str) -> list[tuple]:
    study = optuna.load_study(study_name=STUDY, storage=storage)
    return [(t.number, t.state, t.value, sorted(t.user_attrs.items())) for t in study.trials] + [
        tuple(sorted(study.user_attrs.items()))]


SWEEP_ROWS: list[tuple[str, list[str], str]] = [
    ("n_trials zero", ["hydra.sweeper.n_trials=0"], "hydra.sweeper.n_trials=0"),
    ("n_jobs zero", ["hydra.sweeper.n_jobs=0"], "hydra.sweeper.n_jobs=0"),
    ("no budgets", ["search.budgets=[]"], "search.budgets="),
    ("no count", ["search.budgets=[750k,lots]"], "search.budgets=lots"),
    ("one budget twice", ["search.budgets=[5M,5e6]"], "search.budgets=[5M, 5"),
    ("a budget the list lacks", ["forced=seed18", "search.forced=true", "search.budgets=[2M,50M]"],
     "search.budgets=50M"),
    ("top_k below 2", ["search.early_stop.top_k=1"], "search.early_stop.top_k=1"),
    ("negative threshold", ["search.early_stop.threshold=-0.1"], "search.early_stop.threshold="),
    ("patience zero", ["search.early_stop.patience=0"], "search.early_stop.patience=0"),
    ("direction against the objective", ["hydra.sweeper.direction=minimize"],
     "hydra.sweeper.direction=minimize"),
    ("plugin failure rate", ["hydra.sweeper.max_failure_rate=0.5"],
     "hydra.sweeper.max_failure_rate=0.5"),
    ("grace within two heartbeats", ["search.heartbeat_interval=20", "search.grace_period=30"],
     "search.grace_period=30"),
    ("failure share above 1", ["search.max_failure_share=1.5"], "search.max_failure_share=1.5"),
    ("pruner", ["search.pruner=asha"], "search.pruner=asha"),
    ("prune_every zero", ["search.pruner=median", "search.prune_every=0"], "search.prune_every=0"),
    ("negative retries", ["search.max_retries=-1"], "search.max_retries=-1"),
    ("malformed storage URL", ["hydra.sweeper.storage=postgresql://u@h:notaport/db"],
     "hydra.sweeper.storage=postgresql://u@h:notaport/db"),
    ("mysql storage", ["hydra.sweeper.storage=mysql://u@h/db"], "hydra.sweeper.storage="),
    ("postgresql without a database", ["hydra.sweeper.storage=postgresql://u@h"],
     "hydra.sweeper.storage=postgresql://u@h"),
    ("journal without a file", ["hydra.sweeper.storage=journal:///"],
     "hydra.sweeper.storage=journal:///"),
    ("password in the storage URL", ["hydra.sweeper.storage=postgresql://u:secret@h/db"],
     "hydra.sweeper.storage=postgresql://u:***@h/db"),
    ("auto threshold without forced configs", ["search.early_stop.threshold=auto"],
     "search.early_stop.threshold=auto"),
    ("auto threshold from one seed", ["search.forced=true", "search.early_stop.threshold=auto",
                                      "search.early_stop.noise_seeds=1"],
     "search.early_stop.noise_seeds=1"),
    ("threshold not a number", ["search.early_stop.threshold=often"],
     "search.early_stop.threshold=often"),
    ("negative checkpoints", ["search.artifacts.checkpoints_top_k=-1"],
     "search.artifacts.checkpoints_top_k=-1"),
    ("no phase-2 run at a time", ["search.phase2.run_jobs=0"], "search.phase2.run_jobs=0"),
    ("changed budgets on resume", ["search.budgets=[750k,2M]"], "search.budgets"),
    ("report not a bool", ["search.report=maybe"], "search.report=maybe"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "args", "key"), SWEEP_ROWS, ids=[r[0] for r in SWEEP_ROWS])
def test_bad_sweep_settings_leave_the_study_unchanged(tmp_path, monkeypatch, capsys, case, args,
                                                      key):
    storage = existing_study(tmp_path)
    before = snapshot(storage)
    argv = ["budget-hpo", "-m", "search=phase1", f"hydra.sweeper.storage={storage}",
            "search.budgets=[750k]", "search.forced=false", "search.early_stop.enabled=false",
            "hydra.sweeper.params=null", f"hydra.sweep.dir={tmp_path}/sweep", *SMALL, *args]
    code, err = _call(monkeypatch, capsys, cli.main, argv)
    assert_one_line(code, err, key)
    assert snapshot(storage) == before
    assert not list(tmp_path.rglob("result.json"))


def test_report_of_a_missing_database_creates_nothing(tmp_path, monkeypatch, capsys):
    code, err = _call(monkeypatch, capsys, report_cli.main,
                      ["budget-hpo-report", "--storage", f"sqlite:///{tmp_path}/typo.db"])
    assert_one_line(code, err, "storage=")
    assert not (tmp_path / "typo.db").exists()


def test_report_of_an_unknown_study_is_named(tmp_path, monkeypatch, capsys):
    storage = existing_study(tmp_path)
    code, err = _call(monkeypatch, capsys, report_cli.main,
                      ["budget-hpo-report", "--storage", storage, "--study", "nope"])
    assert_one_line(code, err, "study=nope")


@pytest.mark.parametrize(("args", "key"), [
    (["--study", "budget-hpo-nothing-*"], "--study=budget-hpo-nothing-*"),
    (["--rescore", "objective.lr=3"], "--rescore=objective.lr=3"),
    (["--rescore", "objective.threshold=high"], "objective.threshold=high"),
    (["--rescore", "objective.bootstrap.block=2.5"], "objective.bootstrap.block=2.5"),
    (["--storage", "postgresql://u:secret@h/db"], "--storage=postgresql://u:***@h/db"),
])
def test_bad_report_arguments_are_named(tmp_path, monkeypatch, capsys, args, key):
    storage = existing_study(tmp_path)
    code, err = _call(monkeypatch, capsys, report_cli.main,
                      ["budget-hpo-report", "--storage", storage, "--out", str(tmp_path / "r"),
                       *args])
    assert_one_line(code, err, key)
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_report_of_an_empty_study_is_written(tmp_path):
    storage = f"sqlite:///{tmp_path}/s.db"
    optuna.create_study(study_name=STUDY, storage=storage, direction="maximize")
    proc = run_cli("budget-hpo-report", ["--storage", storage, "--out", str(tmp_path / "r")],
                   cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Trials:" in (tmp_path / "r" / "summary.md").read_text()


SUBPROCESS_ROWS = [
    (["budget=fast"], "budget=fast"),
    (["regularization.dropout=1.0", *SMALL], "regularization.dropout="),
    (["-m", "search=phase1", "hydra.sweeper.n_trials=0"], "hydra.sweeper.n_trials=0"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("args", "key"), SUBPROCESS_ROWS, ids=[r[1] for r in SUBPROCESS_ROWS])
def test_a_few_rows_as_real_processes(tmp_path, args, key):
    proc = run_cli("budget-hpo", [*args, f"hydra.run.dir={tmp_path}/run",
                                  f"hydra.sweep.dir={tmp_path}/sweep",
                                  f"hydra.sweeper.storage=sqlite:///{tmp_path}/s.db"]
                   if "-m" in args else [*args, f"hydra.run.dir={tmp_path}/run"],
                   cwd=tmp_path, timeout=120)
    assert_one_line(proc.returncode, proc.stderr, key)
    assert not (tmp_path / "s.db").exists()

"""The front page stays true: every command under README.md's "Everyday commands" runs, at smoke
scale, and produces what it promises; README's links and the manual's nav point at real pages.

Each command is read from the fenced bash blocks of that section and run with the smoke
overrides appended (later overrides win in Hydra): one trial in-process through the trial
function (the real model each command names), the plan in-process, `--cfg` and the sweeps
in-process through the console script's own function (:func:`tests.helpers.run_app`; the sweeps
with the tiny fixture model: they test the commands, not the model), and the report in-process
against the sweeps' study. A command this file cannot classify fails the test, so a new line in
README needs a runner here.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
import yaml

from budget_hpo.trial.synthetic import synthetic_panel
from tests.helpers import SMALL, compose, run_app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
SECTION = "## Everyday commands"
SMOKE_STEPS = ["trainer.max_steps=3"]  # beats a command's own trainer.max_steps
SWEEP_TRIALS = 2  # the first two forced configs: one budget, one phase-2 file per phase
LARGE = ("budget=20M", "budget=200M")  # a trial of these takes long enough to count as slow


def section(text: str, heading: str) -> str:
    """The Markdown of one `## ` section, without its heading."""
    start = text.index(heading + "\n") + len(heading) + 1
    end = text.find("\n## ", start)
    return text[start:] if end < 0 else text[start:end]


def bash_commands(markdown: str) -> list[list[str]]:
    """Every command line of the fenced bash blocks, split as a shell would (comments dropped)."""
    blocks = re.findall(r"```bash\n(.*?)```", markdown, flags=re.S)
    return [shlex.split(line, comments=True) for block in blocks
            for line in block.splitlines() if line.strip() and not line.startswith("#")]


COMMANDS = bash_commands(section(README.read_text(), SECTION))


def kind(argv: list[str]) -> str:
    """How a README command is run here: plan, cfg, trial, sweep or report."""
    if argv[0] == "budget-hpo-plan":
        return "plan"
    if argv[0] == "budget-hpo-report":
        return "report"
    if argv[0] == "budget-hpo" and "--cfg" in argv:
        return "cfg"
    if argv[0] == "budget-hpo" and "-m" in argv:
        return "sweep"
    if argv[0] == "budget-hpo" and not any(a.startswith("-") for a in argv[1:]):
        return "trial"
    raise AssertionError(f"no smoke runner for the README command {shlex.join(argv)!r}")


def smoke(args: list[str]) -> list[str]:
    """The command's overrides, then the small panel and a few training steps."""
    small = [o for o in SMALL if not (o.startswith("data.generator.") and "data=csv" in args)]
    return [*args, *small, *SMOKE_STEPS]


def write_prices(folder: Path) -> None:
    """A file the user would supply: wide daily closes, one column per coin, for every data.path
    a command names."""
    returns = synthetic_panel(compose(["data.generator.n_series=4",
                                       "data.generator.length=400"]).data.generator)
    wide = returns.pivot(index="ds", columns="unique_id", values="y")
    prices = (100 * (1 + 0.01 * wide).cumprod()).reset_index(drop=True)
    prices.insert(0, "date", pd.date_range("2024-01-01", periods=len(prices)).strftime("%Y-%m-%d"))
    prices.to_csv(folder / "prices.csv", index=False)


def test_readme_shows_everyday_commands_of_every_kind():
    kinds = [kind(argv) for argv in COMMANDS]
    assert {"plan", "cfg", "trial", "sweep", "report"} <= set(kinds), kinds


TRIALS = [pytest.param(a, marks=[pytest.mark.slow] if set(a) & set(LARGE) else [])
          for a in COMMANDS if kind(a) == "trial"]


@pytest.mark.slow
@pytest.mark.parametrize("argv", TRIALS, ids=shlex.join)
def test_readme_trial_command_trains_at_smoke_scale(argv, tmp_path, monkeypatch):
    import torch

    from budget_hpo.trial.run import run_trial

    monkeypatch.chdir(tmp_path)
    write_prices(tmp_path)
    args = argv[1:]
    cfg = compose(smoke(args))
    if cfg.trainer.accelerator == "gpu" and not torch.cuda.is_available():
        # the command composes to one GPU with bf16; training it needs the GPU itself
        assert (cfg.trainer.precision, cfg.trainer.fast_kernels) == ("bf16-mixed", False)
        return
    result = run_trial(cfg, output_dir=tmp_path / "run")
    written = json.loads((tmp_path / "run" / "result.json").read_text())
    assert written["val_auc"] == result.val_auc and 0.0 <= result.val_auc <= 1.0
    assert (written["budget"], written["style"], written["model"]) == (
        cfg.budget.name, cfg.style.name, cfg.model.name)
    assert written["train_steps"] == 3 and written["params_exact"] > 0
    for override in args:  # each value the command sets is the one the trial ran with
        key, value = override.split("=", 1)
        if key.startswith("regularization."):
            assert written[key.split(".", 1)[1]] == pytest.approx(float(value))


@pytest.mark.slow
@pytest.mark.parametrize("argv", [a for a in COMMANDS if kind(a) == "plan"], ids=shlex.join)
def test_readme_plan_command_prints_the_forced_configs(argv):
    from budget_hpo.search.plan import run_plan

    text = run_plan(argv[1:])
    rows = re.findall(r"^(G[1-4]-\S+)\s+(\S+)\s", text, flags=re.M)  # id, budget
    assert f"{len(rows)} forced configs; none trained." in text
    if "search=phase1" in argv:  # the phase's budget subset: its forced configs, and TPE's space
        budgets = compose(argv[1:]).search.budgets
        assert rows and {budget for _, budget in rows} == set(budgets)
        assert "TPE search space:" in text and "(not opened)" in text
    else:
        assert len(rows) == 18 and {b for _, b in rows} == {"750k", "2M", "20M", "200M"}


@pytest.mark.parametrize("argv", [a for a in COMMANDS if kind(a) == "cfg"], ids=shlex.join)
def test_readme_cfg_command_prints_the_composed_config(argv, tmp_path):
    proc = run_app([*argv[1:], f"hydra.run.dir={tmp_path}/run"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    printed = yaml.safe_load(proc.stdout)
    assert printed["budget"]["name"] == "750k" and printed["search"]["name"] == "none"
    assert not (tmp_path / "run").exists()  # printed, not run


@pytest.mark.slow
def test_readme_search_commands_run_in_order_at_smoke_scale(tmp_path, monkeypatch):
    """The sweeps, phase 2 from the file phase 1 wrote into ./conf, then the report, in README's
    order, in one working directory: each phase-1 command on its own study file (two budget
    subsets cannot share one study), phase 2 and the report on the last one's."""
    from budget_hpo.report.cli import main as report_main

    monkeypatch.delenv("BUDGET_HPO_CONFIG_DIR", raising=False)
    monkeypatch.delenv("BUDGET_HPO_STORAGE", raising=False)
    monkeypatch.chdir(tmp_path)
    storage = None
    runs = [a for a in COMMANDS if kind(a) in ("sweep", "report")]
    for n, argv in enumerate(runs):
        args, sweep = argv[1:], tmp_path / f"sweep{n}"
        if kind(argv) == "report":
            assert storage, "README shows the report before any phase"
            report_main([*args, "--storage", storage, "--out", str(tmp_path / "report")])
            summary = (tmp_path / "report" / "summary.md").read_text()
            assert "budget-hpo-phase1-synthetic" in summary
            continue
        phase2 = any(a.startswith("search=") and "/phase2_" in a for a in args)
        if phase2:  # the file pins phase 1's experiment and storage: nothing else is added
            extra = ["hydra.sweeper.n_trials=1", "search.replicates.seeds=0"]
        else:
            storage = f"sqlite:///{tmp_path}/study{n}.db"
            extra = [*smoke([]), "model=tiny", f"hydra.sweeper.n_trials={SWEEP_TRIALS}",
                     f"hydra.sweeper.storage={storage}"]
        proc = run_app([*args, *extra, f"hydra.sweep.dir={sweep}"], cwd=tmp_path)
        assert proc.returncode == 0, f"{shlex.join(argv)}\n{proc.stderr[-3000:]}"
        results = sorted(sweep.glob("[0-9]*/result.json"))
        assert len(results) == (1 if phase2 else SWEEP_TRIALS), shlex.join(argv)
        if phase2:
            budget = next(a for a in args if "/phase2_" in a).rsplit("_", 1)[1]
            written = json.loads(results[0].read_text())
            assert (written["budget"], written["model"]) == (budget, "tiny")  # phase 1's model
        else:  # the phase's end wrote its report, and the phase-2 file of its one budget
            assert (sweep / "report" / "summary.md").is_file()
            budget = compose([a for a in smoke(args) if a != "-m"]).search.budgets[0]
            folder = tmp_path / "conf" / "search" / "budget-hpo-phase1-synthetic"
            assert (folder / f"phase2_{budget}.yaml").is_file()


def test_readme_is_a_front_door_of_at_most_200_lines():
    assert len(README.read_text().splitlines()) <= 200


def test_readme_links_and_picture_point_at_files_in_the_repository():
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", README.read_text())
    local = [link for link in links if "://" not in link]
    assert local and all((ROOT / link).is_file() for link in local), local
    picture = ROOT / "docs" / "img" / "demo_scaling_law.png"  # scripts/demo_readme.py writes it
    assert "docs/img/demo_scaling_law.png" in local and 10_000 < picture.stat().st_size < 300_000


def _nav_pages(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [p for value in node.values() for p in _nav_pages(value)]
    if isinstance(node, list):
        return [p for item in node for p in _nav_pages(item)]
    return []


def test_every_docs_page_is_in_the_nav():
    """`mkdocs build --strict` (CI) fails on this too, through `validation.omitted_files`."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = sorted(str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md"))
    assert sorted(_nav_pages(config["nav"])) == pages
    assert config["validation"]["omitted_files"] == "warn" and config["strict"] is True

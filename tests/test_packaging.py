"""The configs ship with the package, and a user's own config directory adds options to them.

The wheel test builds the wheel, installs it (not editable) into a fresh virtualenv that reuses
the dependencies of the environment running the tests (a ``.pth`` file names that environment's
site-packages, whether it is a virtualenv or the system interpreter; the checkout's own editable
install is not among them), and runs the console scripts from an unrelated working directory: one trial of the real
iTransformer, then the user's own config and the demo sweep with the tiny fixture model (what
they test is where the configs come from and where files go).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

from budget_hpo.cli import check_group_overrides
from budget_hpo.config_dirs import group_options
from budget_hpo.errors import ConfigError
from tests.helpers import SMALL, TINY, compose

ROOT = Path(__file__).resolve().parents[1]

BUDGET_50M = """# A user's own budget: 50M parameters, with iTransformer's shapes pinned.
name: 50M
params: 50000000
pinned:
  itransformer:
    shallow: {d_model: 1024, n_layers: 4, n_heads: 16}
    deep: {d_model: 512, n_layers: 16, n_heads: 8}
"""
STYLE_FOUR = "# A user's own style: four layers at any budget.\nname: four\nn_layers: 4\n"


def user_conf(root: Path, data_path: Path) -> Path:
    """A user's config dir with a budget, a data config and a committed search."""
    conf = root / "conf"
    (conf / "budget").mkdir(parents=True)
    (conf / "data").mkdir()
    (conf / "budget" / "50M.yaml").write_text(BUDGET_50M)
    (conf / "style").mkdir()
    (conf / "style" / "four.yaml").write_text(STYLE_FOUR)
    (conf / "data" / "my_exchange.yaml").write_text(
        f"defaults:\n  - csv\npath: {data_path}\nval_size: 50\ntest_size: 50\n")
    return conf


def write_series(path: Path, n_series: int = 4, length: int = 400) -> Path:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"unique_id": np.repeat([f"s{i}" for i in range(n_series)], length),
                  "ds": np.tile(np.arange(length), n_series),
                  "y": rng.standard_normal(n_series * length)}).to_csv(path, index=False)
    return path


def test_user_config_dir_adds_a_budget_and_a_data_config(tmp_path, monkeypatch):
    user_conf(tmp_path, write_series(tmp_path / "ex.csv"))
    assert compose(["budget=50M"]).budget.pinned == {}  # elsewhere 50M is a bare count
    with pytest.raises(ConfigError, match="style=four"):  # not known from elsewhere
        check_group_overrides(["style=four"])
    monkeypatch.chdir(tmp_path)  # ./conf is picked up
    assert "50M" in group_options("budget") and "750k" in group_options("budget")
    assert "my_exchange" in group_options("data") and "synthetic" in group_options("data")
    check_group_overrides(["budget=50M", "style=four", "data=my_exchange"])  # the check knows them
    cfg = compose(["budget=50M", "style=deep", "data=my_exchange"])
    deep = cfg.budget.pinned["itransformer"]["deep"]
    assert (cfg.budget.name, deep.d_model, deep.n_layers) == ("50M", 512, 16)
    assert compose(["style=four"]).style.n_layers == 4
    assert cfg.data.path == str(tmp_path / "ex.csv") and cfg.data.val_size == 50
    assert cfg.data.format == "auto"  # the rest from the package's shared values


def test_config_dir_named_by_environment_variable(tmp_path, monkeypatch):
    user_conf(tmp_path / "elsewhere", write_series(tmp_path / "ex.csv"))
    monkeypatch.setenv("BUDGET_HPO_CONFIG_DIR", str(tmp_path / "elsewhere" / "conf"))
    cfg = compose(["budget=50M"])
    assert cfg.budget.pinned["itransformer"]["shallow"].d_model == 1024
    check_group_overrides(["budget=50M", "style=four"])


def test_config_dir_named_on_the_command_line(tmp_path):
    conf = user_conf(tmp_path, write_series(tmp_path / "ex.csv"))
    check_group_overrides(["--config-dir", str(conf), "budget=50M", "style=four"])
    with pytest.raises(ConfigError, match=r"style=five: invalid; allowed: deep \| four"):
        check_group_overrides(["--config-dir", str(conf), "style=five"])
    cfg = compose(["--config-dir", str(conf), "budget=50M"])
    assert cfg.budget.pinned["itransformer"]["shallow"].d_model == 1024  # the file, not the count


def reuse_dependencies(python: Path) -> None:
    """Make the virtualenv of ``python`` see this environment's installed packages, after its
    own: ``--system-site-packages`` would show the base interpreter's instead, which inside a
    virtualenv lacks them. Plain directories in a ``.pth`` file: their own ``.pth`` files (an
    editable install of the checkout) are not run."""
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip()
    outer = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "outer_environment.pth").write_text("".join(f"{p}\n" for p in outer))


@pytest.mark.slow
def test_wheel_installs_and_runs_from_an_unrelated_directory(tmp_path):
    source = tmp_path / "source"  # a copy: building in place would leave build/ in the checkout
    source.mkdir()  # what the build reads, and no more (not a virtualenv inside the checkout)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    for name in ("src", "conf"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns(
            "*.egg-info", "__pycache__"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(wheels), str(source)], check=True, capture_output=True)
    (wheel,) = wheels.glob("budget_hpo-*.whl")
    venv = tmp_path / "venv"  # without its own pip (installing one takes seconds): this
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"  # environment's pip installs into it (--python)
    reuse_dependencies(python)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                    "--no-deps", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "work"  # unrelated to the checkout
    work.mkdir()
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "PATH": f"{venv / 'bin'}:{os.environ['PATH']}"}
    env.pop("BUDGET_HPO_CONFIG_DIR", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True,
                              timeout=600)

    where = run(str(python), "-c", "import budget_hpo.config_dirs as c; print(c.package_config_dir())")
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # not the checkout
    assert (Path(where.stdout.strip()) / "search" / "demo.yaml").is_file()

    plan = run(str(venv / "bin" / "budget-hpo-plan"))
    assert plan.returncode == 0, plan.stderr[-2000:]
    assert "18 forced configs; none trained." in plan.stdout

    trial = run(str(venv / "bin" / "budget-hpo"), *SMALL, "hydra.run.dir=run")
    assert trial.returncode == 0, trial.stderr[-2000:]
    assert json.loads((work / "run" / "result.json").read_text())["params_exact"] > 0

    user_conf(work, write_series(work / "ex.csv"))  # ./conf in the working directory
    own = run(str(venv / "bin" / "budget-hpo"), "budget=5M", "style=four", "data=my_exchange",
              "model=tiny", "trainer=smoke", "trainer.eval_step=5", "hydra.run.dir=own")
    assert own.returncode == 0, own.stderr[-2000:]
    result = json.loads((work / "own" / "result.json").read_text())
    assert (result["n_layers"], result["shape"], result["budget_params"]) == (4, "solved", 5_000_000)

    demo = run(str(venv / "bin" / "budget-hpo"), "-m", "search=demo",  # its anchored configs
               *(o for o in TINY if o != "forced=seed18"), "hydra.sweeper.n_trials=2",
               "hydra/launcher=basic", "hydra.sweeper.n_jobs=1",  # where files go, not joblib
               "search.phase2.n_trials=1", "hydra.sweep.dir=demo")
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert (work / "demo" / "report" / "summary.md").is_file()
    generated = list((work / "multirun" / "demo_conf" / "search").rglob("phase2_*.yaml"))
    assert generated and not list(venv.rglob("phase2_*.yaml"))  # never into site-packages
    assert all((work / "demo" / f.stem / "optimization_results.yaml").is_file()  # and they ran
               for f in generated)

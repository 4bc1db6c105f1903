"""The plan sizes every forced config of any grid and model by its exact count, from three
compositions, without importing torch or neuralforecast."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from budget_hpo.compose import compose_variants
from budget_hpo.search.plan import plan_rows, run_plan
from tests.helpers import compose

VARIANTS = [*({"budget": b, "style": s, "regularization": r}
              for b in ("750k", "5M") for s in ("shallow", "deep") for r in ("default", "lr_high")),
            {"budget": "1.5M", "style": "deep", "regularization": "wd_none"}]


@pytest.mark.parametrize("args", [
    [],
    ["budget.tolerance=0.2", "style.max_layers=12", "model=patchtst", "seed=3"],
    ["budget.params=3M", "style.aspect=64", "regularization.dropout=0.2", "forced.style=deep"],
])
@pytest.mark.slow
def test_each_variant_is_the_config_a_full_composition_gives(args):
    """The plan's shortcut composes each option once; every variant must equal what
    `budget-hpo ARGS budget=.. style=.. regularization=..` composes in full."""
    fast = compose_variants(args, VARIANTS)
    for variant, config in zip(VARIANTS, fast, strict=True):
        assert config == compose([*args, *(f"{g}={o}" for g, o in variant.items())]), variant


@pytest.mark.slow
def test_the_plan_of_a_numeric_grid_solves_every_shape_within_the_tolerance():
    rows = plan_rows(["search=phase1", "search.budgets=[1M,5e6,50M]", "model=patchtst"])
    assert len(rows) == 16 and {r.trial.budget for r in rows} == {"1M", "5M", "50M"}
    for row in rows:
        assert row.model == "patchtst" and row.sized.shape == "solved"
        assert abs(row.params_exact / row.sized.budget_params - 1) <= 0.1
    text = run_plan(["search=phase1", "search.budgets=[1M,5e6,50M]"])
    assert "shapes: 0 pinned (a budget file's table), 16 solved to their exact count" in text
    assert "budget: choice(1M,5M,50M)" in text


@pytest.mark.slow
def test_the_plan_imports_neither_torch_nor_neuralforecast(tmp_path):
    code = ("import json, sys\n"
            "sys.argv = ['budget-hpo-plan', 'search=phase1', 'search.budgets=[1M,5M,50M]',"
            " 'model=timexer']\n"
            "from budget_hpo.cli import plan_main\n"
            "plan_main()\n"
            "print(json.dumps(sorted(m for m in ('torch', 'neuralforecast', 'pytorch_lightning')"
            " if m in sys.modules)))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "16 forced configs; none trained." in proc.stdout
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


@pytest.mark.parametrize(("model", "study"), [
    ("itransformer", "budget-hpo-phase1-synthetic"), ("tiny", "budget-hpo-phase1-synthetic"),
    ("patchtst", "budget-hpo-phase1-synthetic-patchtst"),
    ("fedformer", "budget-hpo-phase1-synthetic-fedformer")])
@pytest.mark.slow
def test_each_model_family_gets_a_study_of_its_own(model, study):
    text = run_plan(["search=phase1", "search.budgets=[1M,5M]", f"model={model}"])
    assert f"study {study} in " in text

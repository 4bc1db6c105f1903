"""Sizing: the seed's four budgets pin the seed's table for iTransformer (built as the model
itself on the ``meta`` device), and every other budget, style and model is solved by its exact
parameter count: checked against an exhaustive search and against the built models."""

from __future__ import annotations

import math
import random

import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.trial.architecture import Architecture, DataShape
from budget_hpo.trial.families import FAMILIES, exact_count, family
from budget_hpo.trial.models import build_model, count_parameters
from budget_hpo.trial.sizing import formula_params, heads_for, size_model, solve_shape
from tests.helpers import compose

SEED_TABLE = [
    ("750k", "shallow", 192, 2, 4, 884_736),
    ("750k", "deep", 128, 4, 4, 786_432),
    ("2M", "shallow", 320, 2, 4, 2_457_600),
    ("2M", "deep", 192, 5, 4, 2_211_840),
    ("20M", "shallow", 768, 3, 8, 21_233_664),
    ("20M", "deep", 384, 12, 8, 21_233_664),
    ("200M", "shallow", 1536, 8, 16, 226_492_416),
    ("200M", "deep", 768, 28, 16, 198_180_864),
]
N_SERIES = 200


def built(cfg, arch: Architecture, n_series: int = N_SERIES):
    """The configured model on the ``meta`` device (no weights allocated)."""
    import torch

    with torch.device("meta"):
        return build_model(cfg, arch, n_series)


def block_shape(model) -> tuple[int, int, int, int]:
    """(d_model, n_layers, n_heads, d_ff) read from a built iTransformer's encoder blocks."""
    blocks = model.encoder.attn_layers
    shapes = {(b.attention.query_projection.weight.shape[1], b.attention.n_heads,
               b.conv1.weight.shape[0]) for b in blocks}
    assert len(shapes) == 1, shapes  # every block alike
    ((d_model, heads, d_ff),) = shapes
    return int(d_model), len(blocks), int(heads), int(d_ff)


def sized(overrides, n_series: int = N_SERIES):
    cfg = compose(overrides)
    return cfg, size_model(cfg, DataShape.from_config(cfg, n_series))


@pytest.mark.parametrize(("budget", "style", "d", "layers", "heads", "formula"), SEED_TABLE)
def test_the_seeds_budgets_pin_the_seeds_table(budget, style, d, layers, heads, formula):
    cfg, out = sized([f"budget={budget}", f"style={style}"])
    arch = out.arch
    assert out.shape == "pinned" and out.budget_params == cfg.budget.params
    assert (arch.d_model, arch.n_layers, arch.n_heads, arch.d_ff) == (d, layers, heads, 4 * d)
    assert arch.formula_params == formula == formula_params(d, layers)
    model = built(cfg, arch)
    assert block_shape(model) == (d, layers, heads, 4 * d)
    # the exact count of the model (200 series) lies just above 12·L·d² (embeddings, norms)
    assert count_parameters(model) == out.params_exact
    assert 1.0 < out.params_exact / formula < 1.025


def test_moving_the_count_off_the_pin_solves_the_shape():
    _, pinned = sized(["budget=2M"])
    _, moved = sized(["budget=2M", "budget.params=3M"])
    assert pinned.shape == "pinned" and moved.shape == "solved"
    assert abs(moved.params_exact / 3_000_000 - 1) <= 0.1


@pytest.mark.parametrize("budget", ["1M", "5M", "50M", "1.5M"])
@pytest.mark.parametrize("style", ["shallow", "deep"])
def test_a_solved_shape_builds_the_model_of_its_exact_count(budget, style):
    cfg, out = sized([f"budget={budget}", f"style={style}"], n_series=32)
    assert out.shape == "solved"
    model = built(cfg, out.arch, n_series=32)
    assert count_parameters(model) == out.params_exact
    assert block_shape(model) == (out.arch.d_model, out.arch.n_layers, out.arch.n_heads,
                                  4 * out.arch.d_model)
    assert abs(out.params_exact / cfg.budget.params - 1) <= cfg.budget.tolerance


def test_styles_differ_as_their_aspect_says():
    _, wide = sized(["budget=20M", "budget.params=20000001", "style=shallow"])
    _, deep = sized(["budget=20M", "budget.params=20000001", "style=deep"])
    assert wide.arch.n_layers < deep.arch.n_layers and wide.arch.d_model > deep.arch.d_model
    assert abs(math.log(wide.arch.d_model / wide.arch.n_layers / 128)) < math.log(2)
    assert abs(math.log(deep.arch.d_model / deep.arch.n_layers / 32)) < math.log(2)


def exhaustive(count, budget, style, tolerance, fixed_heads=None, ff_mult=4):
    """Every width at every depth: per depth the width nearest the budget, kept within the
    tolerance, ranked as the sizer ranks them."""
    step, found = style.width_step, []
    depths = [style.n_layers] if style.n_layers else range(1, style.max_layers + 1)
    for layers in depths:
        best = None
        k = 1
        while True:
            d = k * step
            a = Architecture(d, layers, heads_for(d, style.head_dim, fixed_heads), ff_mult * d)
            c = count(a)
            if best is None or abs(c - budget) < abs(best[1] - budget):
                best = (a, c)
            if c > budget * 2:
                break
            k += 1
        if abs(best[1] - budget) <= tolerance * budget:
            found.append(best)

    def rank(item):
        a, c = item
        off = 0.0 if style.aspect is None else abs(math.log(a.d_model / a.n_layers / style.aspect))
        return (off, abs(c - budget))

    return sorted(found, key=rank)


@pytest.mark.slow
def test_the_sizer_agrees_with_an_exhaustive_search():
    rng = random.Random(11)
    names = sorted(FAMILIES)
    for i in range(16):
        name = names[i % len(names)]
        fam = family(name)
        style_name = rng.choice(["shallow", "deep"])
        cfg = compose([f"style={style_name}", f"model={name}", "style.max_layers=12"])
        data = DataShape(rng.choice([8, 32]), rng.choice([32, 64]), rng.choice([1, 4]))
        extra = dict(cfg.model.kwargs)
        budget = int(10 ** rng.uniform(5.5, 7.0))

        def count(a, fam=fam, data=data, extra=extra):
            return exact_count(fam, a, data, extra)

        fast = solve_shape(count, budget, cfg.style, 0.1, ff_mult=4, fixed_heads=fam.fixed_heads)
        slow = exhaustive(count, budget, cfg.style, 0.1, fixed_heads=fam.fixed_heads)
        assert fast[:1] == slow[:1], (name, style_name, data, budget)


@pytest.mark.parametrize(("d_model", "head_dim", "heads"), [
    (192, 64, 4), (320, 64, 4), (128, 64, 2), (16, 64, 1), (1024, 64, 16), (96, 32, 4)])
def test_heads_are_the_power_of_two_dividing_d_model_nearest_d_over_head_dim(d_model, head_dim,
                                                                             heads):
    assert heads_for(d_model, head_dim) == heads and d_model % heads == 0
    assert heads_for(d_model, head_dim, fixed=8) == 8


def test_a_style_may_fix_the_depth():
    _, out = sized(["budget=5M", "style.aspect=null", "style.n_layers=4"])
    assert out.arch.n_layers == 4 and out.shape == "solved"


def test_model_n_heads_overrides_the_sized_heads():
    cfg, out = sized(["budget=2M", "style=shallow", "model.n_heads=16"])
    assert out.arch.n_heads == 16 and out.arch.d_model == 320
    assert block_shape(built(cfg, out.arch)) == (320, 2, 16, 1280)


@pytest.mark.parametrize(("overrides", "message"), [
    (["budget=2M", "model.n_heads=3"], r"model\.n_heads=3: invalid; allowed: a divisor of "
                                       r"d_model=320"),
    (["budget=5k"], r"budget=5k: invalid; allowed: a count itransformer reaches within ±10% "
                    r"as style=shallow with n_series=200, input_size=64, horizon=1: [\d,]+ or "
                    r"more"),
    (["budget.tolerance=0"], r"budget\.tolerance=0\.0: invalid; allowed: a number in \(0, 1\)"),
    (["budget.tolerance=1.5"], r"budget\.tolerance=1\.5: invalid"),
    (["budget=5M", "style.n_layers=3"], r"style=shallow=aspect=128\.0, n_layers=3: invalid; "
                                        r"allowed: exactly one of"),
    (["budget=5M", "style.aspect=null"], r"exactly one of style\.aspect"),
    (["budget=5M", "style.aspect=-2"], r"style\.aspect=-2\.0: invalid; allowed: a number > 0"),
    (["budget=5M", "budget.params=lots"], r"budget\.params=lots: invalid; allowed: a parameter "
                                          r"count"),
])
def test_bad_sizing_input_is_one_line(overrides, message):
    with pytest.raises(ConfigError, match=message) as err:
        sized(overrides)
    assert "\n" not in str(err.value)

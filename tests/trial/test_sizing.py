from __future__ import annotations

import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.trial.sizing import formula_params, resolve_architecture

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


@pytest.mark.parametrize(("budget", "style", "d", "layers", "heads", "formula"), SEED_TABLE)
def test_budget_style_gives_the_seed_table(compose_cfg, budget, style, d, layers, heads, formula):
    arch = resolve_architecture(compose_cfg([f"budget={budget}", f"style={style}"]))
    assert (arch.d_model, arch.n_layers, arch.n_heads, arch.d_ff) == (d, layers, heads, 4 * d)
    assert arch.formula_params == formula == formula_params(d, layers)


def test_model_n_heads_overrides_the_table(compose_cfg):
    arch = resolve_architecture(compose_cfg(["budget=2M", "style=shallow", "model.n_heads=16"]))
    assert arch.n_heads == 16 and arch.d_model == 320


def test_n_heads_must_divide_d_model(compose_cfg):
    with pytest.raises(ConfigError, match=r"model\.n_heads=3: .*divisor of d_model=320"):
        resolve_architecture(compose_cfg(["budget=2M", "model.n_heads=3"]))

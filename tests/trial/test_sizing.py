"""Sizing: budget × style builds the seed's table as the model itself (built on the ``meta``
device: its layers, widths and heads, and its exact parameter count beside the formula)."""

from __future__ import annotations

import pytest

from budget_hpo.errors import ConfigError
from budget_hpo.trial.models import build_model, count_parameters
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


def built(cfg, n_series: int = 200):
    """The configured iTransformer on the ``meta`` device (no weights allocated)."""
    import torch

    with torch.device("meta"):
        return build_model(cfg, resolve_architecture(cfg), n_series)


def block_shape(model) -> tuple[int, int, int, int]:
    """(d_model, n_layers, n_heads, d_ff) read from the built model's encoder blocks."""
    blocks = model.encoder.attn_layers
    shapes = {(b.attention.query_projection.weight.shape[1], b.attention.n_heads,
               b.conv1.weight.shape[0]) for b in blocks}
    assert len(shapes) == 1, shapes  # every block alike
    ((d_model, heads, d_ff),) = shapes
    return int(d_model), len(blocks), int(heads), int(d_ff)


@pytest.mark.parametrize(("budget", "style", "d", "layers", "heads", "formula"), SEED_TABLE)
def test_budget_style_builds_the_seed_tables_model(compose_cfg, budget, style, d, layers, heads,
                                                   formula):
    cfg = compose_cfg([f"budget={budget}", f"style={style}"])
    arch = resolve_architecture(cfg)
    assert (arch.d_model, arch.n_layers, arch.n_heads, arch.d_ff) == (d, layers, heads, 4 * d)
    assert arch.formula_params == formula == formula_params(d, layers)
    model = built(cfg)
    assert block_shape(model) == (d, layers, heads, 4 * d)
    # the exact count of the model (200 series) lies just above 12·L·d² (embeddings, norms)
    assert 1.0 < count_parameters(model) / formula < 1.025


def test_model_n_heads_overrides_the_table(compose_cfg):
    cfg = compose_cfg(["budget=2M", "style=shallow", "model.n_heads=16"])
    arch = resolve_architecture(cfg)
    assert arch.n_heads == 16 and arch.d_model == 320
    assert block_shape(built(cfg)) == (320, 2, 16, 1280)


def test_n_heads_must_divide_d_model(compose_cfg):
    with pytest.raises(ConfigError, match=r"model\.n_heads=3: .*divisor of d_model=320"):
        resolve_architecture(compose_cfg(["budget=2M", "model.n_heads=3"]))

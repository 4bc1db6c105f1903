"""Budget-aware sizing: budget × style → architecture, the seed's formula and the exact count."""

from __future__ import annotations

from collections.abc import Sequence

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.trial.architecture import Architecture, formula_params

__all__ = ["STYLES", "Architecture", "formula_params", "head_divisors", "resolve_architecture"]

STYLES = ("shallow", "deep")


def resolve_architecture(cfg: Config) -> Architecture:
    """Size the model from ``cfg.budget`` × ``cfg.style`` (the table), then ``cfg.model`` overrides.

    Raises:
        ConfigError: unknown style, or ``n_heads`` that does not divide ``d_model``.
    """
    style = cfg.style.name
    if style not in STYLES:
        raise ConfigError("style", style, " | ".join(STYLES))
    row = cfg.budget.shallow if style == "shallow" else cfg.budget.deep
    n_heads = row.n_heads if cfg.model.n_heads is None else cfg.model.n_heads
    if n_heads < 1 or row.d_model % n_heads:
        key = f"budget.{style}.n_heads" if cfg.model.n_heads is None else "model.n_heads"
        raise ConfigError(key, n_heads, f"a divisor of d_model={row.d_model}, e.g. "
                          f"{head_divisors(row.d_model, (1, 2, 4, 8, 16, 32))}")
    if cfg.model.ff_mult < 1:
        raise ConfigError("model.ff_mult", cfg.model.ff_mult, "an integer >= 1")
    return Architecture(row.d_model, row.n_layers, n_heads, cfg.model.ff_mult * row.d_model)


def head_divisors(d_model: int, candidates: Sequence[int]) -> list[int]:
    """The head counts among ``candidates`` that divide ``d_model`` (attention splits d_model
    evenly across heads): the rule that also trims phase 2's ``model.n_heads`` choices."""
    return [h for h in candidates if h >= 1 and d_model % h == 0]

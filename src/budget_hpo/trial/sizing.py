"""Budget-aware sizing: budget × style → architecture, the seed's formula and the exact count."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import DictConfig

from budget_hpo.errors import ConfigError

__all__ = ["STYLES", "Architecture", "formula_params", "resolve_architecture"]

STYLES = ("shallow", "deep")


@dataclass(frozen=True)
class Architecture:
    """The transformer's shape; the single source of the sizes a model is built with."""

    d_model: int
    n_layers: int
    n_heads: int
    d_ff: int

    @property
    def formula_params(self) -> int:
        """The seed's estimate, ``12 · n_layers · d_model²``."""
        return formula_params(self.d_model, self.n_layers)


def formula_params(d_model: int, n_layers: int) -> int:
    """``12·L·d²``: 4·d² for the Q, K, V, O projections plus 8·d² for a 4·d feed-forward network."""
    return 12 * n_layers * d_model * d_model


def resolve_architecture(cfg: DictConfig) -> Architecture:
    """Size the model from ``cfg.budget`` × ``cfg.style`` (the table), then ``cfg.model`` overrides.

    Raises:
        ConfigError: unknown style, or ``n_heads`` that does not divide ``d_model``.
    """
    style = str(cfg.style.name)
    if style not in STYLES:
        raise ConfigError("style", style, " | ".join(STYLES))
    row = cfg.budget[style]
    d_model, n_layers = int(row.d_model), int(row.n_layers)
    n_heads = int(row.n_heads if cfg.model.n_heads is None else cfg.model.n_heads)
    if n_heads < 1 or d_model % n_heads:
        key = "budget" if cfg.model.n_heads is None else "model.n_heads"
        divisors = [h for h in (1, 2, 4, 8, 16, 32) if d_model % h == 0]
        raise ConfigError(
            key if key == "model.n_heads" else f"budget.{style}.n_heads",
            n_heads,
            f"a divisor of d_model={d_model}, e.g. {divisors}",
        )
    ff_mult = int(cfg.model.ff_mult)
    if ff_mult < 1:
        raise ConfigError("model.ff_mult", ff_mult, "an integer >= 1")
    return Architecture(d_model=d_model, n_layers=n_layers, n_heads=n_heads, d_ff=ff_mult * d_model)

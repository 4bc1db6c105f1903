"""What a model is built from: its architecture (width, depth, heads, feed-forward width) and the
data shape the data and model config fix apart from it (series, lookback, horizon).

A foundation of the trial stage: plain frozen dataclasses and arithmetic, no torch, so sizing
and parameter counts can use them without importing a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from budget_hpo.schema import Config

__all__ = ["Architecture", "DataShape", "formula_params", "head_divisors"]


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


@dataclass(frozen=True)
class DataShape:
    """What the data and the model config fix, apart from the architecture: the number of series
    (a multivariate model's width of input), the lookback window and the forecast horizon."""

    n_series: int
    input_size: int
    horizon: int

    @classmethod
    def from_config(cls, cfg: Config, n_series: int) -> DataShape:
        """The shape a trial of ``cfg`` on a panel of ``n_series`` series builds its model for.

        Args:
            cfg: the composed, typed config (``model.input_size``, ``data.horizon``).
            n_series: the number of series in the panel.
        """
        return cls(n_series=n_series, input_size=cfg.model.input_size, horizon=cfg.data.horizon)


def head_divisors(d_model: int, candidates: Sequence[int]) -> list[int]:
    """The head counts among ``candidates`` that divide ``d_model`` (attention splits d_model
    evenly across heads): the rule behind the families' check and phase 2's trimmed choices."""
    return [h for h in candidates if h >= 1 and d_model % h == 0]

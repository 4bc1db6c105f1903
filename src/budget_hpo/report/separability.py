"""Whether a winner is separable from its runner-up: their gap against the seed noise.

The rule: two configs are separable when the gap between their ranked values (fresh-seed means
where replicated) exceeds :data:`SEPARABLE_SDS` times the pooled seed SD of the fresh seeds
(:func:`budget_hpo.search.replicates.pooled_sd`); without that SD (no replicated config has two
fresh seeds) it cannot be said. The summary's verdict on the top budget, the findings' *within
noise* section and the cross-dataset agreement all read it from here.

A :class:`Separation` compares the winner of a phase (its best config, ranked as phase 2 ranks
budgets) with the best config that differs from it in budget, in style, or in both (each ranked
within its own budget, style or both). A side
ranked by its selected value (no fresh seeds) is named as such: its value is flattered by the
selection it won.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from budget_hpo.report.best_configs import RankedConfig, best_first
from budget_hpo.search.replicates import pooled_sd

__all__ = ["SEPARABLE_SDS", "Separation", "separable", "separation"]

SEPARABLE_SDS = 2.0


def separable(gap: float, noise: float) -> bool | None:
    """Whether ``gap`` exceeds :data:`SEPARABLE_SDS` × ``noise`` (None: ``noise`` is NaN)."""
    return None if math.isnan(noise) else gap > SEPARABLE_SDS * noise


@dataclass(frozen=True)
class Separation:
    """The winner by ``by`` (``budget``, ``style`` or ``budget × style``), its runner-up (the best
    config that differs from it in ``by``; None when every config shares its key) and the
    pooled seed SD the gap is set against."""

    by: str
    winner: RankedConfig
    runner_up: RankedConfig | None
    noise: float
    maximize: bool

    @property
    def gap(self) -> float:
        """How much better the winner ranks than the runner-up (NaN without one)."""
        if self.runner_up is None:
            return float("nan")
        return (1.0 if self.maximize else -1.0) * (self.winner.rank - self.runner_up.rank)

    @property
    def separable(self) -> bool | None:
        """True or False by :func:`separable`; None without a runner-up or a seed SD."""
        return None if self.runner_up is None else separable(self.gap, self.noise)

    def text(self) -> str:
        """``2M over 750k: gap 0.0300 > 2 × pooled seed SD (0.0120): separable``."""
        winner = _named(self.winner, self.by)
        if self.runner_up is None:
            return f"{winner}: the only {self.by} searched, no runner-up to separate it from"
        head = f"{winner} over {_named(self.runner_up, self.by)}: gap {self.gap:.4f}"
        if self.separable is None:
            return (f"{head}; cannot be said: no replicated config has two fresh seeds, so "
                    "there is no seed SD")
        limit = f"{SEPARABLE_SDS:g} × pooled seed SD ({SEPARABLE_SDS * self.noise:.4f})"
        return (f"{head} > {limit}: separable" if self.separable
                else f"{head} <= {limit}: within noise")


def _named(config: RankedConfig, by: str) -> str:
    return config.key(by) + ("" if config.fresh else " (selected value only)")


def separation(configs: Sequence[RankedConfig], by: str, maximize: bool,
               noise: float | None = None) -> Separation | None:
    """The winner of ``configs`` (a phase's, see
    :func:`~budget_hpo.report.best_configs.study_configs`; ranked as phase 2 ranks budgets)
    against its runner-up by ``by`` (the best config of another ``by``, ranked within ``by``:
    :func:`~budget_hpo.report.best_configs.best_first`), set against the seed SD ``noise``
    (default: pooled over ``configs``); None when no config ranks."""
    ranked = best_first(configs, "budget", maximize)
    if not ranked:
        return None
    winner = ranked[0]
    runner_up = next((c for c in best_first(configs, by, maximize)
                      if c.key(by) != winner.key(by)), None)
    if noise is None:
        noise = pooled_sd([c.stats for c in configs if c.stats is not None])
    return Separation(by, winner, runner_up, noise, maximize)

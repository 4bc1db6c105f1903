"""A budget's best config over fresh seeds, and the noise of its mean.

Each value is one seed's metric with the 95% interval over evaluation origins that its trial
recorded (``val_auc`` with ``val_auc_low`` and ``val_auc_high``). A metric stored without an
interval (``val_mae``) is given with NaN bounds and adds no origin noise.

The noise model behind every interval of :mod:`budget_hpo.laws`: a budget's mean over its ``n``
seeds errs by seed noise (SD ``σ_seed / √n``) plus origin noise (SD ``σ_origin``, the mean of its
values' ``(high − low) / 3.92``, the SD of a normal whose 95% interval is that wide). The seeds
of a budget are scored on the same origins, so their origin error is shared and does not shrink
with ``n``. ``σ_seed`` is pooled over the budgets that have several seeds (the seed noise is
taken to be the same at every size): three seeds give a poor SD of their own.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from scipy.special import stdtrit  # Student's t quantile: 0.3 s to import, scipy.stats 1 s

from budget_hpo.intervals import Interval

__all__ = ["Z95", "BudgetSeeds", "SeedNoise", "mean_interval", "noise_sd", "seed_noise"]

Z95 = 3.92  # the width of a normal's 95% interval, in SDs (2 × 1.96)


@dataclass(frozen=True)
class BudgetSeeds:
    """One budget's best config: its exact parameter count and its metric on each fresh seed,
    each with its 95% origin interval (NaN bounds: none recorded)."""

    n_params: int
    values: tuple[Interval, ...]

    def __post_init__(self) -> None:
        if not self.n_params > 0:
            raise ValueError(f"n_params must be positive, got {self.n_params}")
        if not self.values:
            raise ValueError(f"budget of {self.n_params} parameters has no values")
        bad = [v.value for v in self.values if not math.isfinite(v.value)]
        if bad:
            raise ValueError(f"budget of {self.n_params} parameters has non-finite values {bad}")

    @property
    def mean(self) -> float:
        return statistics.fmean(v.value for v in self.values)

    @property
    def origin_sd(self) -> float:
        """The SD of the origin error its values share: the mean of ``(high − low) / 3.92`` over
        the values with an interval (0.0 when none has one)."""
        widths = [v.high - v.low for v in self.values
                  if math.isfinite(v.low) and math.isfinite(v.high)]
        return statistics.fmean(widths) / Z95 if widths else 0.0


class SeedNoise(NamedTuple):
    """The seed SD pooled over budgets, and its degrees of freedom (0: no budget has two seeds,
    and the SD is NaN)."""

    sd: float
    df: int


def seed_noise(budgets: Iterable[BudgetSeeds]) -> SeedNoise:
    """The seed SD of ``budgets`` pooled: sqrt of ``Σ (n − 1)·s² / Σ (n − 1)`` over the budgets
    with two seeds or more."""
    groups = [[v.value for v in b.values] for b in budgets if len(b.values) >= 2]
    df = sum(len(g) - 1 for g in groups)
    if not df:
        return SeedNoise(float("nan"), 0)
    return SeedNoise(math.sqrt(sum((len(g) - 1) * statistics.variance(g) for g in groups) / df),
                     df)


def noise_sd(budget: BudgetSeeds, noise: SeedNoise) -> float:
    """The SD of ``budget``'s mean over its seeds: seed noise over √n plus its origin noise (no
    seed part when the seed SD is unknown)."""
    seed = noise.sd if noise.df > 0 else 0.0
    return math.sqrt(seed**2 / len(budget.values) + budget.origin_sd**2)


def mean_interval(budget: BudgetSeeds, noise: SeedNoise | None = None) -> Interval:
    """``budget``'s mean over fresh seeds with its 95% interval: what a winner scores once the
    seed that won the selection is left out.

    Args:
        budget: the fresh-seed values.
        noise: the seed noise to use (default: the budget's own).

    Returns:
        The mean ± a t quantile times :func:`noise_sd`, with Welch-Satterthwaite's degrees of
        freedom (the seed variance is estimated, the origin variance taken as known). NaN bounds
        when neither seed nor origin noise is known.
    """
    noise = seed_noise([budget]) if noise is None else noise
    sd = noise_sd(budget, noise)
    if noise.df == 0 and sd == 0.0:
        return Interval(budget.mean, float("nan"), float("nan"))
    seed_var = noise.sd**2 / len(budget.values) if noise.df else 0.0
    df = noise.df * (sd**2 / seed_var) ** 2 if seed_var > 0 else math.inf
    q = float(stdtrit(df, 0.975))  # scipy.stats.t.ppf(0.975, df)
    return Interval(budget.mean, budget.mean - q * sd, budget.mean + q * sd)

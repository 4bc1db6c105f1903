"""Learning rates that transfer: the best learning rate against size, as a line in log-log.

``log10(lr) = intercept + slope·log10 N`` is fitted to each budget's best learning rate. Its
interval comes from the budgets' top configs: they are near-ties at their budget, so which of
them won is partly noise, and the spread of their learning rates measures how well the best one
is known. Each bootstrap resample draws one of each budget's top learning rates (uniformly) and
refits the line; intervals are the refits' percentiles. With a single budget there is no slope:
every size gets that budget's best learning rate (slope 0), with the spread of its top configs,
and the law's ``note`` says so.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from budget_hpo.intervals import Interval, interval
from budget_hpo.laws.curves import LogLinear, fit_lines

__all__ = ["BudgetLrs", "LrLaw", "fit_lr_law"]


@dataclass(frozen=True)
class BudgetLrs:
    """One budget's exact size and the learning rates of its top configs, best first."""

    n_params: int
    lrs: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.n_params > 0:
            raise ValueError(f"n_params must be positive, got {self.n_params}")
        if not self.lrs or not all(math.isfinite(lr) and lr > 0 for lr in self.lrs):
            raise ValueError(f"budget of {self.n_params} parameters needs positive learning "
                             f"rates, got {self.lrs}")


@dataclass(frozen=True)
class LrLaw:
    """``log10(lr) = line.intercept + line.slope·log10 N``, the slope's 95% interval, and the
    bootstrap refits (rows of intercept, slope)."""

    line: LogLinear
    slope: Interval
    n_budgets: int
    draws: np.ndarray = field(repr=False, compare=False)
    note: str = ""

    def predict(self, n_params: float) -> Interval:
        """The learning rate for ``n_params``, with its 95% interval."""
        log_lr = interval(self.line.at(n_params), LogLinear.values(self.draws, n_params))
        return Interval(10**log_lr.value, 10**log_lr.low, 10**log_lr.high)


def fit_lr_law(budgets: Sequence[BudgetLrs], *, resamples: int = 1000, seed: int = 0) -> LrLaw:
    """Fit the learning-rate law of ``budgets`` (the module's docstring gives the method).

    Args:
        budgets: one entry per budget, each of its own size.
        resamples: bootstrap refits behind the intervals.
        seed: seeds the bootstrap.

    Raises:
        ValueError: no budget, two of one size, or ``resamples`` below 1.
    """
    if not budgets:
        raise ValueError("a learning-rate law needs at least one budget")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    ordered = sorted(budgets, key=lambda b: b.n_params)
    twice = sorted(n for n, k in Counter(b.n_params for b in ordered).items() if k > 1)
    if twice:
        raise ValueError(f"one entry per budget size; several have n_params {twice}")
    sizes = np.log10(np.array([b.n_params for b in ordered], dtype=float))
    tops = [np.log10(np.array(b.lrs)) for b in ordered]
    rng = np.random.default_rng(seed)
    drawn = np.stack([top[rng.integers(0, top.size, resamples)] for top in tops], axis=1)
    best = np.array([[top[0] for top in tops]])
    notes = []
    if sizes.size == 1:
        notes.append("one budget: its best learning rate at every size (slope 0)")
        every = np.stack([np.vstack([best, drawn])[:, 0], np.zeros(resamples + 1)], axis=1)
    else:
        every = fit_lines(sizes, np.vstack([best, drawn]))
    if all(top.size == 1 for top in tops):
        notes.append("one config per budget: no spread to draw an interval from")
    return LrLaw(LogLinear(*map(float, every[0])), interval(float(every[0, 1]), every[1:, 1]),
                 sizes.size, every[1:], "; ".join(notes))

"""A point estimate with its 95% interval, and the percentile interval of bootstrap samples.

Every interval the package reports has this shape: a trial's AUC over evaluation origins
(:mod:`budget_hpo.trial.bootstrap`), and a scaling law's exponent or prediction
(:mod:`budget_hpo.laws`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Interval", "interval"]


@dataclass(frozen=True)
class Interval:
    """A point estimate and its 95% interval."""

    value: float
    low: float
    high: float


def interval(value: float, samples: np.ndarray) -> Interval:
    """``value`` with the 2.5% and 97.5% percentiles of its bootstrap ``samples`` (non-finite
    samples left out; NaN bounds when none is finite)."""
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return Interval(value, float("nan"), float("nan"))
    low, high = np.percentile(finite, [2.5, 97.5])
    return Interval(float(value), float(low), float(high))

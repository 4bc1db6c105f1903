"""A scaling law of one set of points: the best config's metric against its exact size.

The caller groups the points (one style, or the styles pooled); each point is a budget's best
config over its fresh seeds (:class:`~budget_hpo.laws.seeds.BudgetSeeds`). The law is fitted to
the budgets' means:

- a saturating power law ``L(N) = E + A·N^(−α)`` for a loss (lower is better) measured at
  :data:`MIN_POWER_LAW_BUDGETS` or more distinct sizes;
- a log-linear line (metric against ``log10 N``) with fewer, and always for a metric where
  higher is better (AUC); also when the power law's exponent runs to its bounds (the data do
  not bend), which the law's ``note`` says.

Intervals come from refitting the law to bootstrap draws of the budgets' means over seeds and
origins (:mod:`budget_hpo.laws.resampling`), percentile intervals of the refits. Where no noise
at all was recorded (single seeds, no origin intervals) the draws use the fit's residual SD
instead, and without residual degrees of freedom there is no interval (the note says which).

The verdict reads the interval of the helpful change with size: the slope for a line (its
sign flipped for a loss), ``α·sign(A)`` for a power law (a loss falls with ``N`` when both are
positive). *bigger helps* when that interval lies above 0, *bigger hurts* below, else
*no evidence*.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from budget_hpo.intervals import Interval, interval
from budget_hpo.laws.curves import ALPHA_BOUNDS, LogLinear, PowerLaw, fit_lines, fit_power_laws
from budget_hpo.laws.resampling import resample_means
from budget_hpo.laws.seeds import BudgetSeeds

__all__ = ["HELPS", "HURTS", "MIN_POWER_LAW_BUDGETS", "NO_EVIDENCE", "ScalingLaw", "fit_law",
           "verdict"]

HELPS, NO_EVIDENCE, HURTS = "bigger helps", "no evidence", "bigger hurts"
MIN_POWER_LAW_BUDGETS = 4


@dataclass(frozen=True)
class ScalingLaw:
    """A fitted law, its exponent or slope with a 95% interval, and the verdict.

    ``exponent`` is ``α`` for a power law, the slope per tenfold parameters for a line.
    ``draws`` holds the bootstrap refits' parameters, one row per resample, in the order of
    ``curve``'s fields.
    """

    curve: PowerLaw | LogLinear
    exponent: Interval
    verdict: str
    maximize: bool
    n_budgets: int  # distinct parameter counts
    n_points: int  # measured values (seeds) behind them
    draws: np.ndarray = field(repr=False, compare=False)
    note: str = ""
    seed: int = 0

    @property
    def kind(self) -> str:
        return self.curve.KIND

    def predict(self, n_params: float, noise_sd: float = 0.0) -> Interval:
        """The law at ``n_params`` with a 95% interval from the bootstrap refits.

        Args:
            n_params: the size to predict at (within or beyond the fitted sizes).
            noise_sd: the SD of one measurement, when the prediction is to be compared with a
                measured value (:func:`~budget_hpo.laws.seeds.noise_sd`); 0: the law itself.
        """
        samples = type(self.curve).values(self.draws, n_params)
        if noise_sd > 0:
            rng = np.random.default_rng(self.seed)
            samples = samples + noise_sd * rng.standard_normal(samples.size)
        return interval(self.curve.at(n_params), samples)


def verdict(helpful: Interval) -> str:
    """The verdict on the interval of the helpful change with size (above 0: it helps)."""
    return HELPS if helpful.low > 0 else HURTS if helpful.high < 0 else NO_EVIDENCE


def fit_law(budgets: Sequence[BudgetSeeds], *, maximize: bool, resamples: int = 1000,
            seed: int = 0) -> ScalingLaw:
    """Fit the scaling law of ``budgets`` (the module's docstring gives the rules).

    Args:
        budgets: one entry per budget (at least two distinct ``n_params``).
        maximize: True for a metric where higher is better (AUC): always a line.
        resamples: bootstrap refits behind the intervals.
        seed: seeds the bootstrap; the same inputs and seed give the same law.

    Raises:
        ValueError: fewer than two distinct sizes, or ``resamples`` below 1.
    """
    sizes = np.array([b.n_params for b in budgets], dtype=float)
    n_budgets = len(set(sizes.tolist()))
    if n_budgets < 2:
        raise ValueError(f"a scaling law needs at least 2 distinct parameter counts, got "
                         f"{n_budgets}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    means = np.array([[b.mean for b in budgets]])
    rng = np.random.default_rng(seed)
    draws_y = resample_means(budgets, resamples, rng)
    power = not maximize and n_budgets >= MIN_POWER_LAW_BUDGETS
    power, every, notes = _fit_every(sizes, np.vstack([means, draws_y]), power)
    params, draws = every[:1], every[1:]
    if np.all(draws_y == means):  # no seed or origin noise recorded anywhere
        draws_y, noise_note = _residual_draws(means, _at(power, params, sizes), params.size,
                                              resamples, rng)
        draws, bound_note = _refit(power, sizes, draws_y)
        notes += [noise_note, bound_note]
    if power:  # a loss falls with N where α·A > 0
        column, helpful = 2, draws[:, 2] * np.sign(draws[:, 1])
        direction = params[0, 2] * np.sign(params[0, 1])
    else:
        sign = 1.0 if maximize else -1.0
        column, helpful, direction = 1, sign * draws[:, 1], sign * params[0, 1]
    curve = PowerLaw(*map(float, params[0])) if power else LogLinear(*map(float, params[0]))
    return ScalingLaw(
        curve=curve, exponent=interval(float(params[0, column]), draws[:, column]),
        verdict=verdict(interval(float(direction), helpful)), maximize=maximize,
        n_budgets=n_budgets, n_points=sum(len(b.values) for b in budgets), draws=draws,
        note="; ".join(n for n in notes if n), seed=seed)


def _fit_every(sizes: np.ndarray, y: np.ndarray, power: bool
               ) -> tuple[bool, np.ndarray, list[str]]:
    """Fit every row of ``y``: row 0, the budgets' means, decides whether a power law holds (it
    falls back to a line when its exponent runs to the bounds), and every row is fitted that way
    (one search for all). Returns that decision, the fits and the notes to report."""
    if not power:
        return False, fit_lines(np.log10(sizes), y), []
    fits = fit_power_laws(sizes, y)
    if fits.at_bound[0]:
        return False, fit_lines(np.log10(sizes), y), [
            f"power law fell back to log-linear: its exponent ran to the bound "
            f"{_bound(fits.params[0, 2])} (the metric does not bend)"]
    notes = ["the exponent's search did not converge: the grid's best is kept"
             if fits.unconverged[0] else ""]
    return True, fits.params, [*notes, _bound_note(int(fits.at_bound[1:].sum()), len(y) - 1)]


def _refit(power: bool, sizes: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, str]:
    """Each row's fit of the given kind, and the bounds' note. (NaN rows, drawn only without
    residual degrees of freedom, reach lines alone: a power law has four points or more.)"""
    if not power:
        return fit_lines(np.log10(sizes), y), ""
    fits = fit_power_laws(sizes, y)
    return fits.params, _bound_note(int(fits.at_bound.sum()), len(y))


def _bound_note(at_bound: int, refits: int) -> str:
    return (f"{at_bound} of {refits} refits ran to the exponent's bounds {ALPHA_BOUNDS}"
            if at_bound else "")


def _at(power: bool, params: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each row's law at every size, ``[rows, sizes]``."""
    shape = PowerLaw if power else LogLinear
    return np.stack([shape.values(params, n) for n in sizes], axis=1)


def _residual_draws(means: np.ndarray, fitted: np.ndarray, n_coefficients: int,
                    resamples: int, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Where no noise was recorded: normal draws of the means with the fit's residual SD, or NaN
    without residual degrees of freedom; and the note that says which."""
    dof = means.size - n_coefficients
    if dof <= 0:
        return (np.full((resamples, means.size), np.nan),
                "no noise recorded and no residual degrees of freedom: no interval")
    sd = math.sqrt(float(((means - fitted) ** 2).sum()) / dof)
    return (means + sd * rng.standard_normal((resamples, means.size)),
            "no seed or origin noise recorded: intervals from the fit's residual SD")


def _bound(alpha: float) -> float:
    return min(ALPHA_BOUNDS, key=lambda b: abs(b - alpha))

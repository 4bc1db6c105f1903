"""The two shapes of a scaling law and their least-squares fits, vectorised over resamples.

- :class:`PowerLaw`, ``L(N) = E + A·N^(−α)`` with ``α`` in :data:`ALPHA_BOUNDS`: a saturating
  power law (``A > 0``: the metric falls towards ``E``; ``A < 0``: it rises towards it).
- :class:`LogLinear`, ``y = intercept + slope·log10 N``: the slope is per tenfold parameters.

The power law is fitted by variable projection: at a fixed ``α``, ``E`` and ``A`` are an ordinary
linear least-squares fit, so the fit is a one-dimensional search for the ``α`` of least squared
error. A grid of ``α`` finds the best bracket of every resample and
``scipy.optimize.elementwise.find_minimum`` (Chandrupatla's bracketing minimiser) pins each
minimum down, all resamples in one vectorised call: a thousand bootstrap fits take milliseconds,
where ``curve_fit`` would fit them one by one, each from a starting point it might not leave.
The grid makes the search global (it cannot stop in a local minimum worse than the grid's
best, nor diverge). A minimum at the grid's end is flagged: the data do not bend within the
bounds. A resample whose search does not converge keeps its grid point, flagged too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, NamedTuple

import numpy as np

__all__ = ["ALPHA_BOUNDS", "CurveFits", "LogLinear", "PowerLaw", "fit_lines", "fit_power_laws"]

ALPHA_BOUNDS = (1e-3, 3.0)
_GRID = np.geomspace(*ALPHA_BOUNDS, 97)  # steps of 9%
_TOLERANCE = {"xrtol": 1e-6}  # α to a millionth: far below its noise, half the iterations


def find_minimum(*args: Any, **kwargs: Any) -> Any:
    """``scipy.optimize.elementwise.find_minimum``, imported on the first call: the learning-rate
    law (phase 2's files) fits lines only, and importing scipy.optimize costs a process half a
    second."""
    from scipy.optimize.elementwise import find_minimum as scipy_find_minimum

    return scipy_find_minimum(*args, **kwargs)


@dataclass(frozen=True)
class PowerLaw:
    """``L(N) = E + A·N^(−α)``."""

    E: float
    A: float
    alpha: float

    KIND: ClassVar[str] = "power law"

    def at(self, n_params: float) -> float:
        return float(self.values(np.array([[self.E, self.A, self.alpha]]), n_params)[0])

    @staticmethod
    def values(params: np.ndarray, n_params: float) -> np.ndarray:
        """The law of each row ``(E, A, α)`` of ``params`` at ``n_params``."""
        return params[:, 0] + params[:, 1] * np.power(float(n_params), -params[:, 2])


@dataclass(frozen=True)
class LogLinear:
    """``y = intercept + slope·log10 N``."""

    intercept: float
    slope: float

    KIND: ClassVar[str] = "log-linear"

    def at(self, n_params: float) -> float:
        return float(self.values(np.array([[self.intercept, self.slope]]), n_params)[0])

    @staticmethod
    def values(params: np.ndarray, n_params: float) -> np.ndarray:
        """The line of each row ``(intercept, slope)`` of ``params`` at ``n_params``."""
        return params[:, 0] + params[:, 1] * np.log10(float(n_params))


class CurveFits(NamedTuple):
    """Power-law fits of many resamples: ``params[r] = (E, A, α)``; ``at_bound[r]``: its ``α`` ran
    to :data:`ALPHA_BOUNDS`; ``unconverged[r]``: the search did not converge (grid point kept)."""

    params: np.ndarray
    at_bound: np.ndarray
    unconverged: np.ndarray


def fit_lines(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares lines of each row of ``y`` [resamples, points] on ``x`` [points]:
    ``[resamples, 2]`` rows of (intercept, slope). ``x`` must not be constant."""
    xc = x - x.mean()
    slope = (y - y.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)
    return np.stack([y.mean(axis=1) - slope * x.mean(), slope], axis=1)


def _rss(alpha: np.ndarray, x: np.ndarray, *centred: np.ndarray) -> np.ndarray:
    """Least residual sum of squares of ``E + A'·exp(−α·x)`` at each ``α`` (E and A' solved),
    for the centred values given one point per argument (so ``find_minimum`` can subset them)."""
    u = np.exp(-alpha[..., None] * x)
    uc = u - u.mean(axis=-1, keepdims=True)
    yc = np.stack(centred, axis=-1)
    return (yc * yc).sum(axis=-1) - (uc * yc).sum(axis=-1) ** 2 / (uc * uc).sum(axis=-1)


def fit_power_laws(n_params: np.ndarray, y: np.ndarray) -> CurveFits:
    """Least-squares power laws of each row of ``y`` [resamples, points] against ``n_params``
    [points] (at least two distinct counts).

    The exponent is searched in log N relative to the counts' geometric mean (well scaled at any
    size); ``A`` is reported for ``N`` itself.
    """
    ref = np.log(n_params).mean()
    x = np.log(n_params) - ref
    centred = y - y.mean(axis=1, keepdims=True)
    cols = tuple(centred.T)
    rss = _rss(_GRID[None, :], x, *(c[:, None] for c in cols))  # [resamples, grid]
    best = np.argmin(rss, axis=1)
    at_bound = (best == 0) | (best == _GRID.size - 1)
    alpha = _GRID[best].copy()
    unconverged = np.zeros(y.shape[0], dtype=bool)
    inner = np.flatnonzero(~at_bound)
    if inner.size:
        i = best[inner]
        found = find_minimum(lambda a, *c: _rss(a, x, *c), (_GRID[i - 1], _GRID[i], _GRID[i + 1]),
                             args=tuple(c[inner] for c in cols), tolerances=_TOLERANCE)
        ok = found.success & np.isfinite(found.x)
        alpha[inner[ok]] = found.x[ok]
        unconverged[inner[~ok]] = True
    u = np.exp(-alpha[:, None] * x)
    uc = u - u.mean(axis=1, keepdims=True)
    scale = (uc * centred).sum(axis=1) / (uc * uc).sum(axis=1)  # A' = A·exp(−α·ref)
    floor = y.mean(axis=1) - scale * u.mean(axis=1)
    params = np.stack([floor, scale * np.exp(alpha * ref), alpha], axis=1)
    return CurveFits(params, at_bound, unconverged)

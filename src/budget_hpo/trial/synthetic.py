"""The embedded synthetic panels: a seeded multivariate return process with planted structure.

One generator, two documented settings (``conf/data/``): ``data=synthetic``, whose structure a
linear model on lagged returns captures, and ``data=synthetic_nonlinear``, whose returns answer
their own past with a sign that the market's or their own earlier direction sets, which no linear
model can hold. :func:`synthetic_signal` is the generator's own noise-free signal, from which the
planted ceiling of any forecast is measured.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from budget_hpo.errors import ConfigError
from budget_hpo.schema import SyntheticConfig

__all__ = ["GatedTerm", "Simulation", "gated_terms", "simulate", "synthetic_panel",
           "synthetic_signal"]

BURN = 50  # steps simulated and dropped, so the panel starts in the process's steady state


@dataclass(frozen=True)
class GatedTerm:
    """``beta · r_{t-lag} · sign(gate_{t-gate_lag})``, the gate the market factor or the series."""

    beta: float
    lag: int
    gate_lag: int
    market: bool  # gated by the common factor's direction (else by the series' own)


@dataclass(frozen=True)
class Simulation:
    """One simulated panel: ``returns`` and their noise-free ``signal``, both ``[length, n]``."""

    returns: np.ndarray
    signal: np.ndarray  # each step's return less this step's shocks: what an oracle forecasts


def synthetic_panel(spec: SyntheticConfig) -> pd.DataFrame:
    """The simulated panel in long format (``unique_id``, ``ds``, ``y``) of per-step returns.

    Args:
        spec: sizes, seed and process coefficients (``data.generator``).

    Returns:
        Long DataFrame sorted by series then time, ``ds`` the integer step 0..length-1.
    """
    r = simulate(spec).returns
    n, t_len = spec.n_series, spec.length
    ids = np.repeat([f"S{i:03d}" for i in range(n)], t_len)
    ds = np.tile(np.arange(t_len), n)
    return pd.DataFrame({"unique_id": ids, "ds": ds, "y": r.T.reshape(-1).astype(np.float64)})


def synthetic_signal(spec: SyntheticConfig) -> np.ndarray:
    """The noise-free part of every step's return, ``[length, n_series]`` in the panel's series
    order: the one-step forecast of an oracle that knows the process, its hidden regime and
    factor. Its AUC against the realised direction is the ceiling no model beats but by chance."""
    return simulate(spec).signal


def gated_terms(spec: SyntheticConfig) -> list[GatedTerm]:
    """The ``gated_terms`` relations every series follows, drawn from the seed's second stream
    (so the linear panel's draws are the same whatever these settings): two distinct lags in
    1..``gated_max_lag``, a random sign, the first ``round(market_share · k)`` market-gated."""
    rng = np.random.default_rng([spec.seed, 1])
    n_market = round(spec.market_share * spec.gated_terms)
    terms = []
    for k in range(spec.gated_terms):
        lag, gate_lag = rng.choice(np.arange(1, spec.gated_max_lag + 1), size=2, replace=False)
        terms.append(GatedTerm(float(spec.gated_beta * rng.choice([-1.0, 1.0])), int(lag),
                               int(gate_lag), market=k < n_market))
    return terms


def simulate(spec: SyntheticConfig) -> Simulation:
    """Simulate the panel and its signal.

    The process, with ``e`` standard normal shocks and ``s_t`` a volatility regime:

    * A ``leader_share`` of the series are *leaders*: ``r_t = a·r_{t-1} + s_t·e_t`` (AR(1)).
    * The rest are *followers*: each copies one leader with a lag of 1..``max_lag`` steps,
      ``r_t = beta·r^leader_{t-lag} + noise·s_t·e_t``: cross-series structure that a linear
      model on all series' lags captures.
    * Every series loads on a common AR(1) *factor* ``f_t = c·f_{t-1} + e_t``, the market.
    * A persistent two-state *regime* shared by the panel (stay probability ``regime_stay``)
      switches each series' own momentum between ``+regime_ar`` and ``-regime_ar`` and doubles
      volatility in the second state.
    * ``gated_terms`` *sign-gated relations* (:func:`gated_terms`) add
      ``beta_k·r_{t-lag_k}·sign(g_{t-gate_k})`` to every series, ``g`` the market factor or the
      series itself: the answer to its own past flips with the market's (or its own) earlier
      direction. Averaged over the gate it is zero, so a linear model on lagged returns gets
      none of it; each relation costs a model width, so a small model holds only some.

    Raises:
        ConfigError: a size or share out of range (the key, its value and what is allowed).
    """
    _check(spec)
    rng = np.random.default_rng(spec.seed)
    n, t_len = spec.n_series, spec.length
    total = t_len + BURN
    n_lead = max(1, round(n * spec.leader_share))
    leaders_of = rng.integers(0, n_lead, size=n)
    lags = rng.integers(1, spec.max_lag + 1, size=n)

    # Regime: persistent Markov chain shared by the panel.
    switch = rng.random(total) > spec.regime_stay
    regime = np.cumsum(switch) % 2  # 0 = calm momentum, 1 = volatile mean reversion
    sign = np.where(regime == 0, 1.0, -1.0)
    vol = np.where(regime == 0, 1.0, 2.0)

    factor = np.zeros(total)
    shocks = rng.standard_normal((total, n))
    factor_shocks = rng.standard_normal(total)
    terms = gated_terms(spec)
    r = np.zeros((total, n))
    signal = np.zeros((total, n))
    for t in range(1, total):
        factor[t] = spec.factor_ar * factor[t - 1] + factor_shocks[t]
        mean = sign[t] * spec.regime_ar * r[t - 1]
        mean[:n_lead] += spec.leader_ar * r[t - 1, :n_lead]
        src = np.maximum(t - lags[n_lead:], 0)
        mean[n_lead:] += spec.follow_beta * r[src, leaders_of[n_lead:]]
        for term in terms:
            if t > max(term.lag, term.gate_lag):
                gate = factor[t - term.gate_lag] if term.market else r[t - term.gate_lag]
                mean += term.beta * r[t - term.lag] * np.sign(gate)
        signal[t] = mean + spec.factor_loading * spec.factor_ar * factor[t - 1]
        noise = vol[t] * shocks[t]
        noise[n_lead:] *= spec.noise
        r[t] = signal[t] + noise + spec.factor_loading * factor_shocks[t]
    return Simulation(returns=r[BURN:], signal=signal[BURN:])


def _check(spec: SyntheticConfig) -> None:
    """Refuse a generator setting the process cannot run with, in one line."""
    if spec.n_series < 2:
        raise ConfigError("data.generator.n_series", spec.n_series, "at least 2 series")
    if spec.max_lag < 1:
        raise ConfigError("data.generator.max_lag", spec.max_lag, "1 or more steps")
    for key in ("leader_share", "market_share", "regime_stay"):
        value = getattr(spec, key)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"data.generator.{key}", value, "a share between 0 and 1")
    if spec.gated_terms < 0:
        raise ConfigError("data.generator.gated_terms", spec.gated_terms, "0 or more relations")
    if spec.gated_terms and spec.gated_max_lag < 2:
        raise ConfigError("data.generator.gated_max_lag", spec.gated_max_lag,
                          "2 or more (a relation's two lags differ)")
    if spec.gated_terms * spec.gated_beta**2 >= 1.0:
        raise ConfigError("data.generator.gated_beta", spec.gated_beta,
                          f"gated_terms x gated_beta^2 < 1 (else the returns explode; "
                          f"{spec.gated_terms} terms allow |beta| < "
                          f"{(1 / spec.gated_terms) ** 0.5:.3f})")

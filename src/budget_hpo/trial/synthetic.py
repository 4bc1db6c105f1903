"""The embedded synthetic panel: a seeded multivariate return process with learnable structure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from budget_hpo.schema import SyntheticConfig

__all__ = ["synthetic_panel"]


def synthetic_panel(spec: SyntheticConfig) -> pd.DataFrame:
    """Simulate a long-format panel (``unique_id``, ``ds``, ``y``) of per-step returns.

    The process, with ``e`` standard normal shocks and ``s_t`` a volatility regime:

    * A quarter of the series are *leaders*: ``r_t = a·r_{t-1} + s_t·e_t`` (AR(1)).
    * The rest are *followers*: each copies one leader with a lag of 1..``max_lag`` steps,
      ``r_t = beta·r^leader_{t-lag} + noise·s_t·e_t`` — cross-series structure that only a
      multivariate model (or a linear model on all series) can exploit.
    * Every series loads on a common AR(1) *factor* ``f_t = c·f_{t-1} + e_t``.
    * A persistent two-state *regime* (stay probability ``regime_stay``) switches each series'
      own momentum between ``+regime_ar`` and ``-regime_ar`` and doubles volatility in the
      second state: the regime is visible in the recent past, so a nonlinear model gains on it.

    The label noise keeps any model well below an AUC of 1.0, while the lead-lag and AR terms put
    a good model clearly above 0.5.

    Args:
        spec: sizes, seed and process coefficients (``data.generator``).

    Returns:
        Long DataFrame sorted by series then time, ``ds`` the integer step 0..length-1.
    """
    if spec.n_series < 2:
        raise ValueError(f"data.generator.n_series={spec.n_series}: need at least 2 series")
    rng = np.random.default_rng(spec.seed)
    n, t_len, burn = spec.n_series, spec.length, 50
    total = t_len + burn
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
    r = np.zeros((total, n))
    for t in range(1, total):
        factor[t] = spec.factor_ar * factor[t - 1] + factor_shocks[t]
        own = sign[t] * spec.regime_ar * r[t - 1]
        lead = np.zeros(n)
        lead[:n_lead] = spec.leader_ar * r[t - 1, :n_lead] + vol[t] * shocks[t, :n_lead]
        src = t - lags[n_lead:]
        lead[n_lead:] = spec.follow_beta * r[np.maximum(src, 0), leaders_of[n_lead:]] + (
            spec.noise * vol[t] * shocks[t, n_lead:]
        )
        r[t] = lead + own + spec.factor_loading * factor[t]
    r = r[burn:]
    ids = np.repeat([f"S{i:03d}" for i in range(n)], t_len)
    ds = np.tile(np.arange(t_len), n)
    return pd.DataFrame({"unique_id": ids, "ds": ds, "y": r.T.reshape(-1).astype(np.float64)})

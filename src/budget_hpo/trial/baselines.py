"""The baselines every trial is scored beside: a registry, one function and one registration each.

A baseline is a function ``(values, splits, horizon, origins) -> scores``: from the panel's
``values`` ``[T, N]``, fitted on the training split only (targets in ``[0, splits.train_end)``),
its forecast of the change over the horizon from each origin, ``[origins, series]``. It depends on
nothing else (no model, no seed), so its scores are computed once per dataset and split and
reused across trials (:mod:`budget_hpo.trial.baseline_cache`).

Everything that shows baselines iterates :func:`baselines` (in registration order, simplest
first): the trial's metrics, ``result.json``, the study's user attributes, ``trials.csv``,
``forecasts.parquet``, ``--rescore``, the summary's verdicts and the plots' bands. The stored name
of every baseline metric comes from :func:`metric_keys` (``naive_val_auc``,
``linear_test_auc_low``, ``val_minus_gbt_high``...). Adding a baseline is one function and one
:func:`register` call::

    register(Baseline("mine", "my baseline", "tab:purple", my_scores))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from budget_hpo.baseline_fields import SPLITS, MetricAttributes, MetricKeys, metric_keys
from budget_hpo.trial.evaluation import Splits, horizon_change

__all__ = [
    "GBT_SETTINGS", "LAGS", "SPLITS", "Baseline", "MetricAttributes", "MetricKeys", "ScoreFn",
    "baseline_names", "baselines", "gbt_scores", "get_baseline", "linear_scores", "metric_keys",
    "metric_names", "naive_scores", "register", "registered", "unregister",
]

ScoreFn = Callable[[np.ndarray, Splits, int, np.ndarray], np.ndarray]
LAGS = 4  # the learned baselines' features: the last LAGS steps of every series
RESERVED = frozenset({"model", "forecast", "realised", "split", "origin", "series",  # the file's
                      "realised_steps", "forecast_steps"})  # other columns (trial.forecasts)


@dataclass(frozen=True)
class Baseline:
    """One registered baseline: its scores and how it is shown."""

    name: str  # the prefix of its fields and its forecasts.parquet column: naive_val_auc...
    label: str  # what it is, in words (the summary and the plots' legends)
    color: str  # matplotlib colour of its band in the plots
    scores: ScoreFn
    version: int = 1  # part of the cache key: bump it when the function's output changes


_REGISTRY: dict[str, Baseline] = {}


def register(baseline: Baseline) -> Baseline:
    """Add ``baseline`` to the registry (after those already there) and return it.

    Raises:
        ValueError: a name already registered, reserved (a column of ``forecasts.parquet``) or
            not a lower-case identifier.
    """
    name = baseline.name
    if not name.isidentifier() or name != name.lower() or name in RESERVED:
        raise ValueError(f"baseline name {name!r}: a lower-case identifier, not one of "
                         f"{sorted(RESERVED)}")
    if name in _REGISTRY:
        raise ValueError(f"baseline {name!r} is already registered")
    _REGISTRY[name] = baseline
    return baseline


def unregister(name: str) -> None:
    """Remove a registered baseline (a test's temporary one)."""
    del _REGISTRY[name]


@contextmanager
def registered(baseline: Baseline) -> Iterator[Baseline]:
    """``baseline`` registered for the duration of a ``with`` block."""
    register(baseline)
    try:
        yield baseline
    finally:
        unregister(baseline.name)


def baselines() -> tuple[Baseline, ...]:
    """Every registered baseline, in registration order."""
    return tuple(_REGISTRY.values())


def baseline_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def get_baseline(name: str) -> Baseline:
    """The registered baseline ``name``.

    Raises:
        KeyError: no such baseline (the message lists the registered ones).
    """
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no baseline {name!r}; registered: {', '.join(_REGISTRY)}") from None


def metric_names() -> tuple[str, ...]:
    """Every registered baseline's metric names on both splits."""
    return tuple(key for split in SPLITS for name in _REGISTRY
                 for key in metric_keys(name, split))


def naive_scores(values: np.ndarray, splits: Splits, horizon: int, origins: np.ndarray
                 ) -> np.ndarray:
    """The naive forecast of the change: the last ``horizon`` steps' change continues."""
    return horizon_change(values, origins - horizon, horizon)


def _lag_features(values: np.ndarray, origins: np.ndarray, lags: int) -> np.ndarray:
    return np.stack([values[c - lags + 1 : c + 1].reshape(-1) for c in origins])


def _training_set(values: np.ndarray, splits: Splits, horizon: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Lagged features and change targets of every origin whose targets end before
    ``splits.train_end``: ``[origins, LAGS * series]`` and ``[origins, series]``."""
    fit_origins = np.arange(LAGS - 1, splits.train_end - horizon)
    return _lag_features(values, fit_origins, LAGS), horizon_change(values, fit_origins, horizon)


def linear_scores(values: np.ndarray, splits: Splits, horizon: int, origins: np.ndarray
                  ) -> np.ndarray:
    """Ridge (alpha 1) on the last ``LAGS`` steps of every series, fitted on training-split
    targets only: one model, every series' change an output."""
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=1.0).fit(*_training_set(values, splits, horizon))
    return np.asarray(model.predict(_lag_features(values, origins, LAGS)))


# Modest and deterministic: 50 trees of at most 7 leaves on 63 bins per feature (a quarter of
# the CPU time of 100 trees of 15 leaves on 255 bins, at about the same AUC on the default
# synthetic data), no early stopping (it would hold out a random part of the training split),
# one OpenMP thread (at these sizes threads cost more than they save, and trials may run side by
# side). Edits here change the cache key (see baseline_cache), so no stale scores are reused.
GBT_SETTINGS: dict[str, Any] = {
    "max_iter": 50, "learning_rate": 0.1, "max_leaf_nodes": 7, "min_samples_leaf": 20,
    "max_bins": 63, "early_stopping": False, "random_state": 0,
}


def gbt_scores(values: np.ndarray, splits: Splits, horizon: int, origins: np.ndarray
               ) -> np.ndarray:
    """Gradient-boosted trees on the ridge's features (the last ``LAGS`` steps of every series),
    fitted on training-split targets only: one ``HistGradientBoostingRegressor``
    (:data:`GBT_SETTINGS`) per series, as it predicts one output."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    features, targets = _training_set(values, splits, horizon)
    at = _lag_features(values, origins, LAGS)
    out = np.empty((len(origins), values.shape[1]))
    with threadpool_limits(limits=1, user_api="openmp"):
        for i in range(values.shape[1]):
            model = HistGradientBoostingRegressor(**GBT_SETTINGS).fit(features, targets[:, i])
            out[:, i] = model.predict(at)
    return out


register(Baseline("naive", "naive (the last change continues)", "tab:gray", naive_scores))
register(Baseline("linear", f"ridge on the last {LAGS} steps of every series", "tab:green",
                  linear_scores))
register(Baseline("gbt", "gradient-boosted trees on the ridge's features", "tab:purple",
                  gbt_scores))

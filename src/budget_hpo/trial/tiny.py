"""``model=tiny``: a test fixture for the search machinery, never a forecaster to rank.

A linear map from each series' last ``input_size`` values to its next ``horizon`` values, one
weight matrix shared by all series, trained with Adam (``regularization.lr``), decoupled weight
decay and input dropout for ``trainer.max_steps`` steps of ``model.batch_size`` windows, in
NumPy and in float32 as a network trains (so an absurd ``lr`` overflows and diverges). A trial
of it trains in milliseconds and imports neither torch, Lightning nor neuralforecast, yet it
goes through everything a real model's trial does: the checks, the splits, the forecasts from
every origin, the scores with their intervals and baselines, ``result.json``,
``forecasts.parquet``, pruning reports and the records of a sweep. It writes no checkpoint
and no training curves. Its results depend on the seed, the regularisation and, through the
initialisation's seed, the architecture; the model itself does not grow with the budget.
"""

from __future__ import annotations

import math
import time

import numpy as np

from budget_hpo.errors import TrialFailed
from budget_hpo.forecast_losses import mean_loss
from budget_hpo.schema import Config
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import Splits, direction_auc, horizon_change
from budget_hpo.trial.pruning import Reporter
from budget_hpo.trial.scoring import Fit
from budget_hpo.trial.sizing import Architecture

__all__ = ["TINY", "fit_tiny"]

TINY = "tiny"  # model.name of this fixture


def _windows(values: np.ndarray, origins: np.ndarray, size: int) -> np.ndarray:
    """Every series' last ``size`` values at each origin: ``[origins · series, size]``."""
    stacked = np.stack([values[c - size + 1 : c + 1] for c in origins])  # [B, L, N]
    return stacked.transpose(0, 2, 1).reshape(-1, size)


def _targets(values: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Every series' next ``horizon`` values after each origin: ``[origins · series, horizon]``."""
    stacked = np.stack([values[c + 1 : c + 1 + horizon] for c in origins])  # [B, h, N]
    return stacked.transpose(0, 2, 1).reshape(-1, horizon)


def fit_tiny(cfg: Config, arch: Architecture, panel: Panel, splits: Splits,
             reporter: Reporter | None, *, setup_start: float) -> Fit:
    """Train the tiny model on the training split and forecast from every origin of both later
    splits, as :func:`budget_hpo.trial.run.fit_and_forecast` does for a neuralforecast model.

    Raises:
        TrialFailed: the training loss or the forecasts are not finite (an absurd ``lr``).
    """
    size, horizon, reg = cfg.model.input_size, cfg.data.horizon, cfg.regularization
    values = panel.values[: splits.length].astype(np.float32)
    rng = np.random.default_rng([cfg.seed, arch.d_model, arch.n_layers, arch.n_heads])
    weights = rng.normal(0.0, 1.0 / math.sqrt(size), (size + 1, horizon)).astype(np.float32)
    moment, second = np.zeros_like(weights), np.zeros_like(weights)
    train_origins = np.arange(size - 1, splits.train_end - horizon)
    setup_time = time.perf_counter() - setup_start
    start, losses = time.perf_counter(), []
    with np.errstate(all="ignore"):  # divergence is detected below, not warned about
        for step in range(1, cfg.trainer.max_steps + 1):
            batch = rng.choice(train_origins, size=cfg.model.batch_size)
            x = _windows(values, batch, size)
            x = x * (rng.random(x.shape) >= reg.dropout) / np.float32(1.0 - reg.dropout)
            x = np.hstack([x, np.ones((len(x), 1), dtype=np.float32)])  # the bias' input
            error = x @ weights - _targets(values, batch, horizon)
            losses.append(float(np.mean(error**2)))
            grad = 2.0 * x.T @ error / error.size
            moment = 0.9 * moment + 0.1 * grad
            second = 0.999 * second + 0.001 * grad**2
            update = (moment / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
            weights = (weights * np.float32(1.0 - reg.lr * reg.weight_decay)
                       - np.float32(reg.lr) * update).astype(np.float32)
            if not math.isfinite(losses[-1]):
                raise TrialFailed(
                    f"training diverged: non-finite training loss (lr={reg.lr})")
            if reporter is not None and step % reporter.every == 0:
                reporter(step, _validation_objective(cfg, values, splits, weights))
        train_time = time.perf_counter() - start
        origins = splits.train_end - 1 + splits.step * np.arange(splits.n_windows)
        steps = _forecast(values, origins, weights)  # [origins · series, horizon]
    if not np.isfinite(steps).all():
        raise TrialFailed("training diverged: the forecasts contain NaN or inf")
    forecast = steps.astype(np.float64).reshape(len(origins), panel.n_series, horizon)
    return Fit(forecast.transpose(0, 2, 1), {int(c): i for i, c in enumerate(origins)},
               int(weights.size), tuple(losses), setup_time, train_time)


def _forecast(values: np.ndarray, origins: np.ndarray, weights: np.ndarray) -> np.ndarray:
    x = _windows(values, origins, weights.shape[0] - 1)
    return np.hstack([x, np.ones((len(x), 1), dtype=np.float32)]) @ weights


def _validation_objective(cfg: Config, values: np.ndarray, splits: Splits,
                          weights: np.ndarray) -> float:
    """The validation objective of the weights so far (what pruning reports)."""
    origins, horizon = splits.val_origins, cfg.data.horizon
    steps = _forecast(values, origins, weights)
    if cfg.objective.name == "auc":
        change = steps.sum(axis=1).reshape(len(origins), -1)
        return direction_auc(horizon_change(values, origins, horizon), change,
                             cfg.objective.threshold)
    return mean_loss(cfg.objective.name, steps, _targets(values, origins, horizon))


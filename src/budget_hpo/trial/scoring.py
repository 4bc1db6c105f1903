"""Score a trained model's forecasts: AUC and MAE per split, beside the baselines' AUC."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from budget_hpo.schema import Config
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import (
    Splits,
    direction_auc,
    horizon_change,
    linear_scores,
    naive_scores,
)

__all__ = ["Fit", "SplitMetrics", "score_forecasts"]


@dataclass(frozen=True)
class Fit:
    """A trained model's forecasts from every origin, and where the time went."""

    cv: pd.DataFrame  # neuralforecast's cross_validation frame
    column: str  # the model's column in ``cv``
    scores: np.ndarray  # [origins, series]: forecast change over the horizon
    row_of: dict[int, int]  # origin -> row of ``scores``
    params_exact: int
    losses: tuple[float, ...]
    setup_time_s: float
    train_time_s: float
    cv_time_s: float


@dataclass(frozen=True)
class SplitMetrics:
    """One split's scores: the model's AUC and MAE, and the baselines' AUC on the same origins."""

    auc: float
    naive_auc: float
    linear_auc: float
    mae: float


def score_forecasts(
    cfg: Config, panel: Panel, splits: Splits, fit: Fit
) -> dict[str, SplitMetrics]:
    """Score the validation and test origins: ``{"val": ..., "test": ...}``."""
    values, horizon = panel.values[: splits.length], cfg.data.horizon
    threshold = cfg.objective.threshold

    def split_metrics(origins: np.ndarray) -> SplitMetrics:
        rows = [fit.row_of[int(c)] for c in origins]
        realised = horizon_change(values, origins, horizon)
        targets = fit.cv[fit.cv["cutoff"].isin(origins)]
        return SplitMetrics(
            auc=direction_auc(realised, fit.scores[rows], threshold),
            naive_auc=direction_auc(realised, naive_scores(values, origins, horizon), threshold),
            linear_auc=direction_auc(
                realised, linear_scores(values, splits, horizon, origins), threshold
            ),
            mae=float(np.mean(np.abs(targets[fit.column].to_numpy() - targets["y"].to_numpy()))),
        )

    return {"val": split_metrics(splits.val_origins), "test": split_metrics(splits.test_origins)}

"""Score a trained model's forecasts: AUC and MAE per split, beside the baselines' AUC."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from budget_hpo.schema import Config
from budget_hpo.trial.bootstrap import Interval, bootstrap_aucs, interval
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
    """One split's scores: the model's AUC and MAE, the baselines' AUC on the same origins, and
    95% block-bootstrap intervals of the AUC and of its paired gaps to the baselines."""

    auc: float
    naive_auc: float
    linear_auc: float
    mae: float
    auc_ci: Interval
    naive_ci: Interval
    linear_ci: Interval
    minus_naive: Interval  # model AUC - naive AUC, paired on the same resamples
    minus_linear: Interval


def score_forecasts(
    cfg: Config, panel: Panel, splits: Splits, fit: Fit
) -> dict[str, SplitMetrics]:
    """Score the validation and test origins: ``{"val": ..., "test": ...}``."""
    values, horizon = panel.values[: splits.length], cfg.data.horizon
    threshold = cfg.objective.threshold

    boot = cfg.objective.bootstrap

    def split_metrics(origins: np.ndarray) -> SplitMetrics:
        rows = [fit.row_of[int(c)] for c in origins]
        realised = horizon_change(values, origins, horizon)
        targets = fit.cv[fit.cv["cutoff"].isin(origins)]
        scores = {"model": fit.scores[rows], "naive": naive_scores(values, origins, horizon),
                  "linear": linear_scores(values, splits, horizon, origins)}
        auc = {k: direction_auc(realised, v, threshold) for k, v in scores.items()}
        samples = bootstrap_aucs(realised, scores, threshold, resamples=boot.resamples,
                                 block=boot.block, seed=cfg.seed)
        return SplitMetrics(
            auc=auc["model"], naive_auc=auc["naive"], linear_auc=auc["linear"],
            mae=float(np.mean(np.abs(targets[fit.column].to_numpy() - targets["y"].to_numpy()))),
            auc_ci=interval(auc["model"], samples["model"]),
            naive_ci=interval(auc["naive"], samples["naive"]),
            linear_ci=interval(auc["linear"], samples["linear"]),
            minus_naive=interval(auc["model"] - auc["naive"], samples["model"] - samples["naive"]),
            minus_linear=interval(auc["model"] - auc["linear"],
                                  samples["model"] - samples["linear"]),
        )

    return {"val": split_metrics(splits.val_origins), "test": split_metrics(splits.test_origins)}

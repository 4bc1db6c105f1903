"""Score a trained model's forecasts: AUC and MAE per split, beside the baselines' AUC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.schema import BootstrapConfig, Config
from budget_hpo.trial.bootstrap import Interval, bootstrap_aucs, interval
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import (
    Splits,
    direction_auc,
    horizon_change,
    linear_scores,
    naive_scores,
)

__all__ = [
    "Fit", "Scored", "SplitMetrics", "auc_metrics", "flat_fields", "score_forecasts",
    "split_scores",
]


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
    model: Any = None  # the trained model (for a checkpoint)


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


Scored = dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]  # split -> (realised, scores)


def split_scores(cfg: Config, panel: Panel, splits: Splits, fit: Fit) -> Scored:
    """Per split (``val``, ``test``): the realised change over the horizon and the model's and
    baselines' scores from each origin, ``[origins, series]`` each: what every AUC of the split
    is computed from (and what ``forecasts.parquet`` keeps)."""
    values, horizon = panel.values[: splits.length], cfg.data.horizon
    out: Scored = {}
    for split, origins in (("val", splits.val_origins), ("test", splits.test_origins)):
        rows = [fit.row_of[int(c)] for c in origins]
        out[split] = (horizon_change(values, origins, horizon), {
            "model": fit.scores[rows], "naive": naive_scores(values, origins, horizon),
            "linear": linear_scores(values, splits, horizon, origins)})
    return out


def auc_metrics(realised: np.ndarray, scores: dict[str, np.ndarray], threshold: float,
                boot: BootstrapConfig, seed: int, mae: float = float("nan")) -> SplitMetrics:
    """A split's AUCs, their intervals and the paired gaps, from its realised changes and
    scores (``mae`` is carried through: it does not depend on the label's threshold)."""
    auc = {k: direction_auc(realised, v, threshold) for k, v in scores.items()}
    samples = bootstrap_aucs(realised, scores, threshold, resamples=boot.resamples,
                             block=boot.block, seed=seed)
    return SplitMetrics(
        auc=auc["model"], naive_auc=auc["naive"], linear_auc=auc["linear"], mae=mae,
        auc_ci=interval(auc["model"], samples["model"]),
        naive_ci=interval(auc["naive"], samples["naive"]),
        linear_ci=interval(auc["linear"], samples["linear"]),
        minus_naive=interval(auc["model"] - auc["naive"], samples["model"] - samples["naive"]),
        minus_linear=interval(auc["model"] - auc["linear"], samples["model"] - samples["linear"]),
    )


def score_forecasts(cfg: Config, splits: Splits, fit: Fit, scored: Scored
                    ) -> dict[str, SplitMetrics]:
    """Score the validation and test origins (``scored``: :func:`split_scores`)."""
    out = {}
    for split, origins in (("val", splits.val_origins), ("test", splits.test_origins)):
        realised, scores = scored[split]
        targets = fit.cv[fit.cv["cutoff"].isin(origins)]
        mae = float(np.mean(np.abs(targets[fit.column].to_numpy() - targets["y"].to_numpy())))
        out[split] = auc_metrics(realised, scores, cfg.objective.threshold,
                                 cfg.objective.bootstrap, cfg.seed, mae)
    return out


def flat_fields(split: str, metrics: SplitMetrics) -> dict[str, Any]:
    """A split's AUCs, intervals and gaps under the names of ``result.json`` and
    ``trials.csv`` (``val_auc``, ``naive_val_auc_low``, ``val_minus_linear_high``...)."""
    out: dict[str, Any] = {f"{split}_auc": metrics.auc, f"{split}_auc_low": metrics.auc_ci.low,
                           f"{split}_auc_high": metrics.auc_ci.high}
    for name, value, ci in (("naive", metrics.naive_auc, metrics.naive_ci),
                            ("linear", metrics.linear_auc, metrics.linear_ci)):
        out.update({f"{name}_{split}_auc": value, f"{name}_{split}_auc_low": ci.low,
                    f"{name}_{split}_auc_high": ci.high})
    for name, gap in (("naive", metrics.minus_naive), ("linear", metrics.minus_linear)):
        key = f"{split}_minus_{name}"
        out.update({key: gap.value, f"{key}_low": gap.low, f"{key}_high": gap.high})
    return out

"""Score a trained model's forecasts: AUC and MAE per split, beside every registered baseline's
AUC (:mod:`budget_hpo.trial.baselines`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.intervals import Interval, interval
from budget_hpo.schema import BootstrapConfig, Config
from budget_hpo.trial.baseline_cache import all_scores
from budget_hpo.trial.baselines import SPLITS, metric_keys
from budget_hpo.trial.bootstrap import bootstrap_aucs
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import Splits, direction_auc, horizon_change

__all__ = [
    "BaselineMetrics", "Fit", "Scored", "SplitMetrics", "auc_metrics", "baseline_fields",
    "flat_fields", "model_fields", "score_forecasts", "split_scores",
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
class BaselineMetrics:
    """A baseline's AUC on a split with its 95% block-bootstrap interval, and the model's paired
    gap to it (model AUC - baseline AUC on the same resamples)."""

    auc: float
    ci: Interval
    gap: Interval


@dataclass(frozen=True)
class SplitMetrics:
    """One split's scores: the model's AUC (with its 95% interval) and MAE, and each registered
    baseline's metrics on the same origins, by name."""

    auc: float
    mae: float
    auc_ci: Interval
    baselines: dict[str, BaselineMetrics]


Scored = dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]  # split -> (realised, scores)


def _origins(splits: Splits) -> dict[str, np.ndarray]:
    return {"val": splits.val_origins, "test": splits.test_origins}


def split_scores(cfg: Config, panel: Panel, splits: Splits, fit: Fit) -> Scored:
    """Per split (``val``, ``test``): the realised change over the horizon and the model's and
    every baseline's scores from each origin, ``[origins, series]`` each: what every AUC of the
    split is computed from (and what ``forecasts.parquet`` keeps). The baselines' scores come
    from the cache (``objective.baseline_cache``) when this data was scored before."""
    values, horizon = panel.values[: splits.length], cfg.data.horizon
    folder = cfg.objective.baseline_cache
    origins = _origins(splits)
    every = np.concatenate([origins[split] for split in SPLITS])
    baseline = all_scores(values, splits, horizon, every, None if folder is None else Path(folder))
    out: Scored = {}
    start = 0
    for split in SPLITS:
        rows = slice(start, start + len(origins[split]))
        start = rows.stop
        model = fit.scores[[fit.row_of[int(c)] for c in origins[split]]]
        out[split] = (horizon_change(values, origins[split], horizon),
                      {"model": model, **{name: s[rows] for name, s in baseline.items()}})
    return out


def auc_metrics(realised: np.ndarray, scores: dict[str, np.ndarray], threshold: float,
                boot: BootstrapConfig, seed: int, mae: float = float("nan")) -> SplitMetrics:
    """A split's AUCs, their intervals and the paired gaps, from its realised changes and
    scores (``"model"`` and one entry per baseline; ``mae`` is carried through: it does not
    depend on the label's threshold)."""
    auc = {k: direction_auc(realised, v, threshold) for k, v in scores.items()}
    samples = bootstrap_aucs(realised, scores, threshold, resamples=boot.resamples,
                             block=boot.block, seed=seed)
    model, model_samples = auc["model"], samples["model"]
    return SplitMetrics(
        auc=model, mae=mae, auc_ci=interval(model, model_samples),
        baselines={name: BaselineMetrics(auc[name], interval(auc[name], samples[name]),
                                         interval(model - auc[name],
                                                  model_samples - samples[name]))
                   for name in scores if name != "model"},
    )


def score_forecasts(cfg: Config, splits: Splits, fit: Fit, scored: Scored
                    ) -> dict[str, SplitMetrics]:
    """Score the validation and test origins (``scored``: :func:`split_scores`)."""
    out = {}
    for split, origins in _origins(splits).items():
        realised, scores = scored[split]
        targets = fit.cv[fit.cv["cutoff"].isin(origins)]
        mae = float(np.mean(np.abs(targets[fit.column].to_numpy() - targets["y"].to_numpy())))
        out[split] = auc_metrics(realised, scores, cfg.objective.threshold,
                                 cfg.objective.bootstrap, cfg.seed, mae)
    return out


def flat_fields(split: str, metrics: SplitMetrics) -> dict[str, Any]:
    """A split's AUCs, intervals and gaps under the names of ``result.json`` and
    ``trials.csv``: :func:`model_fields` and :func:`baseline_fields`."""
    return {**model_fields(split, metrics), **baseline_fields(split, metrics)}


def model_fields(split: str, metrics: SplitMetrics) -> dict[str, Any]:
    """A split's model AUC and its interval (``val_auc``, ``val_auc_low``, ``val_auc_high``)."""
    return {f"{split}_auc": metrics.auc, f"{split}_auc_low": metrics.auc_ci.low,
            f"{split}_auc_high": metrics.auc_ci.high}


def baseline_fields(split: str, metrics: SplitMetrics) -> dict[str, float]:
    """A split's baseline AUCs, intervals and gaps under their :func:`metric_keys` names
    (``naive_val_auc_low``, ``val_minus_linear_high``...)."""
    out: dict[str, float] = {}
    for name, b in metrics.baselines.items():
        keys = metric_keys(name, split)
        out.update(zip(keys, (b.auc, b.ci.low, b.ci.high, b.gap.value, b.gap.low, b.gap.high),
                       strict=True))
    return out

"""Score a trained model's forecasts: per split, the AUC and every forecast loss
(:mod:`budget_hpo.forecast_losses`: MSE, MAE) with their block-bootstrap intervals, beside every
registered baseline's AUC (:mod:`budget_hpo.trial.baselines`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from budget_hpo.forecast_losses import LOSSES, loss_keys
from budget_hpo.intervals import Interval, interval
from budget_hpo.schema import BootstrapConfig, Config
from budget_hpo.trial.baseline_cache import all_scores
from budget_hpo.trial.baselines import SPLITS, metric_keys
from budget_hpo.trial.bootstrap import bootstrap_aucs, bootstrap_means
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import Splits, direction_auc, horizon_change, horizon_steps

__all__ = [
    "BaselineMetrics", "Fit", "Scored", "SplitForecasts", "SplitMetrics", "auc_metrics",
    "baseline_fields", "flat_fields", "loss_fields", "loss_metrics", "model_fields",
    "score_forecasts", "split_scores",
]


@dataclass(frozen=True)
class Fit:
    """A trained model's forecasts from every origin, and where the time went."""

    forecast: np.ndarray  # [origins, horizon, series]: the forecast of each step ahead
    row_of: dict[int, int]  # origin -> row of ``forecast``
    params_exact: int
    losses: tuple[float, ...]  # the training loss at each logged step
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
    """One split's scores: the model's AUC and each forecast loss (by name, empty for forecasts
    saved without their steps), each with its 95% interval; and each registered baseline's
    metrics on the same origins, by name."""

    auc: float
    auc_ci: Interval
    baselines: dict[str, BaselineMetrics]
    losses: dict[str, Interval] = field(default_factory=dict)

    def objective(self, name: str) -> float:
        """The value of the objective ``name`` (``auc`` or a loss's name) on this split."""
        return self.auc if name == "auc" else self.losses[name].value


@dataclass(frozen=True)
class SplitForecasts:
    """One split's forecasts from each origin beside what happened: what every score of the
    split is computed from (and what ``forecasts.parquet`` keeps)."""

    realised: np.ndarray  # [origins, series]: the realised change over the horizon
    scores: dict[str, np.ndarray]  # "model" and each baseline: its forecast of that change
    forecast: np.ndarray  # [origins, horizon, series]: the model's forecast of each step
    actual: np.ndarray  # [origins, horizon, series]: the realised steps


Scored = dict[str, SplitForecasts]  # split -> its forecasts


def _origins(splits: Splits) -> dict[str, np.ndarray]:
    return {"val": splits.val_origins, "test": splits.test_origins}


def split_scores(cfg: Config, panel: Panel, splits: Splits, fit: Fit) -> Scored:
    """Per split (``val``, ``test``): the realised steps and their change over the horizon, the
    model's forecasts and every baseline's scores from each origin. The baselines' scores come
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
        forecast = fit.forecast[[fit.row_of[int(c)] for c in origins[split]]]
        out[split] = SplitForecasts(
            horizon_change(values, origins[split], horizon),
            {"model": forecast.sum(axis=1), **{name: s[rows] for name, s in baseline.items()}},
            forecast, horizon_steps(values, origins[split], horizon))
    return out


def auc_metrics(realised: np.ndarray, scores: dict[str, np.ndarray], threshold: float,
                boot: BootstrapConfig, seed: int, losses: Mapping[str, Interval] | None = None
                ) -> SplitMetrics:
    """A split's AUCs, their intervals and the paired gaps, from its realised changes and
    scores (``"model"`` and one entry per baseline; ``losses`` (:func:`loss_metrics`) are
    carried through: they do not depend on the label's threshold)."""
    auc = {k: direction_auc(realised, v, threshold) for k, v in scores.items()}
    samples = bootstrap_aucs(realised, scores, threshold, resamples=boot.resamples,
                             block=boot.block, seed=seed)
    model, model_samples = auc["model"], samples["model"]
    return SplitMetrics(
        auc=model, auc_ci=interval(model, model_samples),
        baselines={name: BaselineMetrics(auc[name], interval(auc[name], samples[name]),
                                         interval(model - auc[name],
                                                  model_samples - samples[name]))
                   for name in scores if name != "model"},
        losses=dict(losses or {}),
    )


def loss_metrics(forecast: np.ndarray, actual: np.ndarray, boot: BootstrapConfig, seed: int
                 ) -> dict[str, Interval]:
    """Each registered loss of ``forecast`` against ``actual`` (``[origins, horizon, series]``
    each): its mean over every (origin, step, series), with the 95% interval of the AUC's block
    bootstrap over origins (the same resamples)."""
    error = np.asarray(forecast, dtype=np.float64) - np.asarray(actual, dtype=np.float64)
    n_origins, size = error.shape[0], error[0].size
    out = {}
    for name, pointwise in LOSSES.items():
        # each origin's sum, in the same order however the arrays lie in memory (a re-score
        # from the saved file gives the same bits)
        sums = pointwise(error).reshape(n_origins, size).sum(axis=1)
        samples = bootstrap_means(sums, size, resamples=boot.resamples, block=boot.block,
                                  seed=seed)
        out[name] = interval(float(sums.sum() / (n_origins * size)), samples)
    return out


def score_forecasts(cfg: Config, scored: Scored) -> dict[str, SplitMetrics]:
    """Score the validation and test forecasts (``scored``: :func:`split_scores`)."""
    objective, seed = cfg.objective, cfg.seed
    return {split: auc_metrics(s.realised, s.scores, objective.threshold, objective.bootstrap,
                               seed, loss_metrics(s.forecast, s.actual, objective.bootstrap, seed))
            for split, s in scored.items()}


def flat_fields(split: str, metrics: SplitMetrics) -> dict[str, Any]:
    """A split's AUCs, losses, intervals and gaps under the names of ``result.json`` and
    ``trials.csv``: :func:`model_fields`, :func:`loss_fields` and :func:`baseline_fields`."""
    return {**model_fields(split, metrics), **loss_fields(split, metrics),
            **baseline_fields(split, metrics)}


def model_fields(split: str, metrics: SplitMetrics) -> dict[str, Any]:
    """A split's model AUC and its interval (``val_auc``, ``val_auc_low``, ``val_auc_high``)."""
    return {f"{split}_auc": metrics.auc, f"{split}_auc_low": metrics.auc_ci.low,
            f"{split}_auc_high": metrics.auc_ci.high}


def loss_fields(split: str, metrics: SplitMetrics) -> dict[str, float]:
    """A split's losses and their intervals under their :func:`loss_keys` names (``val_mse``,
    ``val_mse_low``, ``val_mse_high``...); NaN for a loss the split was not scored on."""
    missing = Interval(float("nan"), float("nan"), float("nan"))
    out: dict[str, float] = {}
    for name in LOSSES:
        ci = metrics.losses.get(name, missing)
        out.update(zip(loss_keys(name, split), (ci.value, ci.low, ci.high), strict=True))
    return out


def baseline_fields(split: str, metrics: SplitMetrics) -> dict[str, float]:
    """A split's baseline AUCs, intervals and gaps under their :func:`metric_keys` names
    (``naive_val_auc_low``, ``val_minus_linear_high``...)."""
    out: dict[str, float] = {}
    for name, b in metrics.baselines.items():
        keys = metric_keys(name, split)
        out.update(zip(keys, (b.auc, b.ci.low, b.ci.high, b.gap.value, b.gap.low, b.gap.high),
                       strict=True))
    return out

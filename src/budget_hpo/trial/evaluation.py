"""Time-ordered splits and scores: the realised change over the horizon and the direction AUC.

The panel's last ``test_size`` steps are the test split, the ``val_size`` steps before them the
validation split, everything earlier is training data. An evaluation *origin* ``c`` is the last
observed step of a forecast; its targets are steps ``c+1..c+h``. An origin belongs to a split when
all its targets lie inside it (origins whose targets straddle two splits are dropped). The label of
(series, origin) is "the realised change over the horizon exceeds the threshold"; the model's score
is its forecast of that change. The baselines (:mod:`budget_hpo.trial.baselines`) are fitted on
the training split only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from budget_hpo.errors import ConfigError

__all__ = ["Splits", "direction_auc", "horizon_change", "horizon_steps", "make_splits"]


@dataclass(frozen=True)
class Splits:
    """Where each split starts and which origins it scores (indices into the trimmed panel)."""

    length: int  # steps kept (the tail that fits no whole evaluation step is trimmed)
    train_end: int  # training uses steps [0, train_end)
    val_end: int  # validation targets in [train_end, val_end); test targets in [val_end, length)
    step: int  # steps between origins
    n_windows: int  # forecast origins handed to neuralforecast
    val_origins: np.ndarray
    test_origins: np.ndarray


def make_splits(length: int, horizon: int, val_size: int, test_size: int, step: int) -> Splits:
    """Lay out the splits and the origins; pure, so it is tested without a model."""
    span = val_size + test_size
    trim = (span - horizon) % step
    kept = length - trim  # neuralforecast's last window ends at the last step kept
    train_end = length - span
    n_windows = (span - trim - horizon) // step + 1
    origins = train_end - 1 + step * np.arange(n_windows)
    val_end = train_end + val_size
    val = origins[origins + horizon < val_end]
    test = origins[origins + 1 >= val_end]
    return Splits(kept, train_end, val_end, step, int(n_windows), val, test)


def horizon_change(values: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """Realised change over the horizon, ``sum(values[c+1 .. c+h])``, shape [origins, series]."""
    csum = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    return csum[origins + 1 + horizon] - csum[origins + 1]


def horizon_steps(values: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """The realised steps ``values[c+1 .. c+h]`` after each origin, shape [origins, horizon, series]
    (what a forecast of each step ahead is scored against)."""
    return np.stack([values[c + 1 : c + 1 + horizon] for c in origins])


def direction_auc(realised: np.ndarray, score: np.ndarray, threshold: float) -> float:
    """ROC AUC of ``score`` for the label ``realised > threshold`` over all (origin, series).

    The Mann-Whitney form of the AUC, with tied scores counting one half (as in scikit-learn's
    ``roc_auc_score``, which the tests check it against): numpy only, so a trial process that finds
    its baselines cached never imports scikit-learn (1.5 s of a tiny trial's 4 s cold start).

    Raises:
        ConfigError: the threshold leaves a single class.
        ValueError: a score is NaN or infinite.
    """
    labels = (np.asarray(realised) > threshold).reshape(-1)
    if labels.all() or not labels.any():
        raise ConfigError(
            "objective.threshold",
            threshold,
            "a value that splits the realised changes into two classes "
            f"(all {labels.size} labels are {bool(labels[0])})",
        )
    scores = np.asarray(score, dtype=np.float64).reshape(-1)
    if not np.isfinite(scores).all():
        raise ValueError(f"direction AUC: {int((~np.isfinite(scores)).sum())} scores are not "
                         "finite (NaN or infinite)")
    order = np.argsort(scores, kind="mergesort")
    tied = np.r_[True, scores[order][1:] != scores[order][:-1]]
    starts = np.flatnonzero(tied)
    ends = np.r_[starts[1:], scores.size]
    ranks = np.empty(scores.size)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)  # 1-based, ties averaged
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))

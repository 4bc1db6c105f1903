"""Saved forecasts: every trial's validation and test forecasts beside the realised values, so a
trial can be re-scored (another ``objective.threshold``, other intervals) without training.

``<job folder>/forecasts.parquet`` has one row per (split, origin, series): ``realised`` (the
realised change over the horizon), ``forecast`` (the model's forecast of that change, its score),
one column per registered baseline (:mod:`budget_hpo.trial.baselines`: ``naive``, ``linear``,
``gbt``: its scores on the same origins), and the steps behind the changes, what the forecast
losses (MSE, MAE) are computed from: ``realised_steps`` and ``forecast_steps``, a list of
``data.horizon`` values each. A file re-scores the baselines it has columns for, and the losses
when it has the steps (a file saved before they were kept has not).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from budget_hpo.schema import BootstrapConfig
from budget_hpo.trial.baselines import SPLITS, baseline_names
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import Splits
from budget_hpo.trial.scoring import Scored, SplitMetrics, auc_metrics, loss_metrics

__all__ = [
    "FORECASTS", "FORECAST_STEPS", "REALISED_STEPS", "columns", "forecast_table", "rescore",
    "write_forecasts",
]

FORECASTS = "forecasts.parquet"
REALISED_STEPS = "realised_steps"  # the columns of the realised and the forecast steps
FORECAST_STEPS = "forecast_steps"


def columns() -> dict[str, str]:
    """Scorer (``model`` and each registered baseline) -> its column of the file."""
    return {"model": "forecast", **{name: name for name in baseline_names()}}


def _rows(steps: np.ndarray) -> list[np.ndarray]:
    """``[origins, horizon, series]`` -> one ``[horizon]`` list per (origin, series) row."""
    return list(np.ascontiguousarray(steps.transpose(0, 2, 1)).reshape(-1, steps.shape[1]))


def forecast_table(panel: Panel, splits: Splits, scored: Scored) -> pd.DataFrame:
    """The rows of ``forecasts.parquet`` for both splits (series in the panel's order)."""
    parts, names = [], columns()
    for split, origins in (("val", splits.val_origins), ("test", splits.test_origins)):
        forecasts = scored[split]
        n_origins, n_series = forecasts.realised.shape
        parts.append(pd.DataFrame({
            "split": split,
            "origin": np.repeat(np.asarray(origins, dtype=np.int64), n_series),
            "series": np.tile(np.asarray(panel.ids, dtype=object), n_origins),
            "realised": forecasts.realised.reshape(-1),
            **{names[k]: v.reshape(-1) for k, v in forecasts.scores.items()},
            REALISED_STEPS: _rows(forecasts.actual),
            FORECAST_STEPS: _rows(forecasts.forecast),
        }))
    return pd.concat(parts, ignore_index=True)


def write_forecasts(table: pd.DataFrame, folder: Path) -> Path:
    path = Path(folder) / FORECASTS
    table.to_parquet(path, index=False)
    return path


def rescore(path: Path, threshold: float, boot: BootstrapConfig, seed: int
            ) -> dict[str, SplitMetrics]:
    """The AUCs, intervals and baseline gaps of a saved trial under ``threshold``, for every
    registered baseline the file has a column for, and its losses with their intervals when the
    file has the steps (else no losses)."""
    table = pd.read_parquet(path)
    saved = {k: c for k, c in columns().items() if c in table.columns}
    has_steps = {REALISED_STEPS, FORECAST_STEPS} <= set(table.columns)
    out = {}
    for split in SPLITS:
        rows = table[table["split"] == split]
        losses = (loss_metrics(_steps(rows, FORECAST_STEPS), _steps(rows, REALISED_STEPS),
                               boot, seed) if has_steps else None)
        out[split] = auc_metrics(_matrix(rows, "realised").astype(np.float64),
                                 {k: _matrix(rows, c).astype(np.float64) for k, c in saved.items()},
                                 threshold, boot, seed, losses)
    return out


def _matrix(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A split's ``column`` as ``[origins, series]`` (series in the file's, the panel's, order)."""
    order = list(dict.fromkeys(rows["series"]))
    wide = rows.pivot(index="origin", columns="series", values=column)
    return wide.loc[:, order].sort_index().to_numpy()


def _steps(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A split's list column of steps as ``[origins, horizon, series]``."""
    cells = _matrix(rows, column)  # [origins, series] of [horizon] arrays
    flat = np.stack(list(cells.reshape(-1))).astype(np.float64)  # [origins · series, horizon]
    return flat.reshape(*cells.shape, -1).transpose(0, 2, 1)

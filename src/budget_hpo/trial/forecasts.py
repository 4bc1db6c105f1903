"""Saved forecasts: every trial's validation and test forecasts beside the realised values, so a
trial can be re-scored (another ``objective.threshold``, other intervals) without training.

``<job folder>/forecasts.parquet`` has one row per (split, origin, series): ``forecast`` (the
model's forecast change over the horizon, its score), ``realised`` (the realised change) and one
column per registered baseline (:mod:`budget_hpo.trial.baselines`: ``naive``, ``linear``,
``gbt``), its scores on the same origins. A file re-scores the baselines it has columns for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from budget_hpo.schema import BootstrapConfig
from budget_hpo.trial.baselines import SPLITS, baseline_names
from budget_hpo.trial.data import Panel
from budget_hpo.trial.evaluation import Splits
from budget_hpo.trial.scoring import Scored, SplitMetrics, auc_metrics

__all__ = ["FORECASTS", "columns", "forecast_table", "rescore", "write_forecasts"]

FORECASTS = "forecasts.parquet"


def columns() -> dict[str, str]:
    """Scorer (``model`` and each registered baseline) -> its column of the file."""
    return {"model": "forecast", **{name: name for name in baseline_names()}}


def forecast_table(panel: Panel, splits: Splits, scored: Scored) -> pd.DataFrame:
    """The rows of ``forecasts.parquet`` for both splits (series in the panel's order)."""
    parts, names = [], columns()
    for split, origins in (("val", splits.val_origins), ("test", splits.test_origins)):
        realised, scores = scored[split]
        n_origins, n_series = realised.shape
        parts.append(pd.DataFrame({
            "split": split,
            "origin": np.repeat(np.asarray(origins, dtype=np.int64), n_series),
            "series": np.tile(np.asarray(panel.ids, dtype=object), n_origins),
            "realised": realised.reshape(-1),
            **{names[k]: v.reshape(-1) for k, v in scores.items()},
        }))
    return pd.concat(parts, ignore_index=True)


def write_forecasts(table: pd.DataFrame, folder: Path) -> Path:
    path = Path(folder) / FORECASTS
    table.to_parquet(path, index=False)
    return path


def rescore(path: Path, threshold: float, boot: BootstrapConfig, seed: int
            ) -> dict[str, SplitMetrics]:
    """The AUCs, intervals and baseline gaps of a saved trial under ``threshold``, for every
    registered baseline the file has a column for (its MAE is not saved: NaN)."""
    table = pd.read_parquet(path)
    saved = {k: c for k, c in columns().items() if c in table.columns}
    out = {}
    for split in SPLITS:
        rows = table[table["split"] == split]
        order = list(dict.fromkeys(rows["series"]))  # the panel's series order

        def matrix(column: str, rows: pd.DataFrame = rows, order: list[str] = order
                   ) -> np.ndarray:
            wide = rows.pivot(index="origin", columns="series", values=column)
            return wide.loc[:, order].sort_index().to_numpy(dtype=np.float64)

        out[split] = auc_metrics(matrix("realised"), {k: matrix(c) for k, c in saved.items()},
                                 threshold, boot, seed)
    return out

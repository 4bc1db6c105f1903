"""Reading the trials table: a column that may be absent, a cell as a number, a value with its
95% interval, whether a trial has fresh seeds, and the value that ranks a trial (its fresh-seed
mean where replicated)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.phase2.ranking import seed_ranked

__all__ = ["col", "num", "ranked_value", "replicated", "with_ci"]


def col(frame: pd.DataFrame, name: str) -> pd.Series:
    """Column ``name``, or NaN where the table has no such column."""
    return frame[name] if name in frame else pd.Series([np.nan] * len(frame), index=frame.index)


def num(value: Any) -> float:
    """A cell as a float (NaN for None or a missing value)."""
    return float("nan") if value is None or pd.isna(value) else float(value)


def with_ci(row: Any, key: str, sign: str = "") -> str:
    """``0.7000 [0.660, 0.740]`` from ``key``, ``key_low`` and ``key_high`` (``sign="+"``:
    signed, for gaps); ``–`` without a value, the value alone without an interval."""
    value, low, high = (num(row.get(k)) for k in (key, f"{key}_low", f"{key}_high"))
    if np.isnan(value):
        return "–"
    interval = "" if np.isnan(low) or np.isnan(high) else f" [{low:{sign}.3f}, {high:{sign}.3f}]"
    return f"{value:{sign}.4f}{interval}"


def replicated(seed_n: Any) -> bool:
    """Whether a row's ``seed_n`` (its count of fresh seeds) makes it a replicated config."""
    return num(seed_n) >= 1


def ranked_value(done: pd.DataFrame, within: Sequence[str]) -> pd.Series:
    """What ranks each COMPLETE trial of ``done``: its fresh-seed mean when replicated, else its
    value; within a group (rows equal in the ``within`` columns) that has replicated configs,
    only those (NaN for the rest): a single lucky seed does not win. The rule is
    :func:`budget_hpo.phase2.ranking.seed_ranked`, the one phase 2 ranks budgets by."""
    means = [num(m) if replicated(n) else None
             for m, n in zip(col(done, "seed_mean"), col(done, "seed_n"), strict=True)]
    groups = list(zip(*(col(done, c).astype(str) for c in within), strict=True)) \
        if within else [()] * len(done)
    ranked = seed_ranked([num(v) for v in done["value"]], means, groups)
    return pd.Series([np.nan if r is None else r for r in ranked], index=done.index,
                     dtype=float)

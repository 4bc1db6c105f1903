"""Several files pooled into one panel (``data.paths``): each file's series prefixed by its stem
(``binance/BTC``), all on one time axis aligned by timestamp.

``data.align=strict`` (the default) refuses files whose timestamps differ, naming the file, how
many timestamps it lacks and the first; ``intersect`` keeps the timestamps every file has.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from budget_hpo.errors import ConfigError

__all__ = ["ALIGNS", "pool_tables", "prefix_of"]

ALIGNS = ("strict", "intersect")


def prefix_of(path: str | Path) -> str:
    """The prefix of a pooled file's series ids: its stem."""
    return Path(path).stem


def _kind(index: pd.Index) -> str:
    return "dates" if pd.api.types.is_datetime64_any_dtype(index) else "steps"


def pool_tables(tables: Sequence[tuple[str, pd.DataFrame]], align: str) -> pd.DataFrame:
    """One wide table (a column per series) from several, each ``(file, wide table)``.

    Raises:
        ConfigError: two files with one stem, time axes of different kinds (dates and steps),
            timestamps not shared by every file under ``strict``, none shared under
            ``intersect``, or an unknown ``align``.
    """
    if align not in ALIGNS:
        raise ConfigError("data.align", align, " | ".join(ALIGNS))
    stems = [prefix_of(f) for f, _ in tables]
    if len(set(stems)) < len(stems):
        twice = next(s for s in stems if stems.count(s) > 1)
        raise ConfigError("data.paths", twice, "files with distinct names (their stems prefix "
                          "the series ids)")
    kinds = {_kind(wide.index) for _, wide in tables}
    if len(kinds) > 1:
        raise ConfigError("data.paths", ", ".join(f for f, _ in tables),
                          "files whose times are all dates or all steps (they mix both)")
    pooled = [wide.set_axis([f"{prefix_of(f)}/{c}" for c in wide.columns], axis=1)
              for f, wide in tables]
    if align == "intersect":
        joined = pd.concat(pooled, axis=1, join="inner")
        if joined.empty:
            raise ConfigError("data.align", align, "files that share timestamps (these share none)")
        return joined
    union = pooled[0].index
    for wide in pooled[1:]:
        union = union.union(wide.index)
    for (file, _), wide in zip(tables, pooled, strict=True):
        lacking = union.difference(wide.index)
        if len(lacking):
            raise ConfigError(
                "data.paths", file,
                f"files on one time axis: it lacks {len(lacking)} of the {len(union)} timestamps "
                f"the files hold together (first {lacking[0]}); align them, or "
                "data.align=intersect to keep the shared timestamps only")
    return pd.concat(pooled, axis=1, join="outer").sort_index()

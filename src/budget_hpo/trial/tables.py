"""Shape a user's table (long or wide) into one column per series on one sorted time axis.

Time values must all parse as dates or all be numbers (steps); the same instant spelt two ways
is one step, so after parsing each (series, time) appears once. A wide file's time column is
found without configuration when ``data.time_col`` is absent and exactly one column is
a usual name or holds dates while the others hold numbers.
"""

from __future__ import annotations

import pandas as pd

from budget_hpo.errors import ConfigError

__all__ = ["TIME_NAMES", "long_to_wide", "time_axis", "wide_table"]

TIME_NAMES = ("ds", "date", "Date", "DATE", "time", "Time", "timestamp", "Timestamp", "datetime")


def time_axis(column: pd.Series, time_format: str | None = None) -> pd.Series:
    """Numbers stay numbers; anything else must parse as dates, every value in one format
    (``time_format``, else the one pandas infers from the first value, else ISO 8601)."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return column
    parsed = pd.to_datetime(column, errors="coerce", format=time_format)
    if time_format is None and parsed.isna().any():
        iso = pd.to_datetime(column, errors="coerce", format="ISO8601")
        parsed = iso if iso.notna().all() else parsed
    bad = parsed.isna()
    if bad.any():
        raise ConfigError("data.time_col", f"{column.name}: {column[bad].iloc[0]!r}",
                          "times that all parse as dates in one format (set data.time_format, "
                          "e.g. %d/%m/%Y for day-first dates) or are all numbers (steps)")
    return parsed


def _numeric(values: pd.Series, key: str, source: str) -> pd.Series:
    """The column as numbers (Decimal and numeric strings convert); refuse anything else."""
    if pd.api.types.is_numeric_dtype(values):
        return values
    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna() & values.notna()
    if bad.any():
        raise ConfigError(key, repr(values[bad].iloc[0]), f"numeric values in {source}")
    return converted.astype("float64")


def long_to_wide(
    frame: pd.DataFrame, id_col: str, time_col: str, target_col: str, source: str,
    time_format: str | None = None,
) -> pd.DataFrame:
    missing = [c for c in (id_col, time_col, target_col) if c not in frame.columns]
    if missing:
        raise ConfigError(
            "data.layout", "long",
            f"columns {id_col}, {time_col}, {target_col} in {source}; missing {missing} "
            f"(have {list(frame.columns)}; rename with data.id_col/time_col/target_col)",
        )
    frame = frame.assign(**{
        target_col: _numeric(frame[target_col], f"data.target_col ({target_col})", source),
        time_col: time_axis(frame[time_col], time_format),
    })
    dup = frame.duplicated([id_col, time_col])
    if dup.any():
        row = frame.loc[dup, [id_col, time_col]].iloc[0]
        raise ConfigError("data.path", source, f"one row per ({id_col}, {time_col}) after "
                          f"parsing the times; duplicate ({row[id_col]}, {row[time_col]})")
    wide = frame.pivot(index=time_col, columns=id_col, values=target_col).sort_index()
    wide.columns = [str(c) for c in wide.columns]
    counts = frame.groupby(id_col)[time_col].size()
    if counts.nunique() > 1:
        short = counts.idxmin()
        raise ConfigError(
            "data.path", source,
            f"series on one shared time axis; {short} has {counts.min()} rows, others up to "
            f"{counts.max()} (align them, or drop the series)",
        )
    return wide


def _find_time_column(frame: pd.DataFrame, time_col: str, source: str) -> str:
    if time_col in frame.columns:
        return time_col
    named = [c for c in frame.columns if c in TIME_NAMES]
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
            and pd.to_datetime(frame[c], errors="coerce", format="mixed").notna().all()]
    for candidates in (named, text):
        if len(candidates) == 1:
            return str(candidates[0])
    raise ConfigError("data.time_col", time_col, f"a column of {source} (have "
                      f"{list(frame.columns)}; name the time column with data.time_col=...)")


def wide_table(
    frame: pd.DataFrame, time_col: str, source: str, time_format: str | None = None
) -> pd.DataFrame:
    time_col = _find_time_column(frame, time_col, source)
    series = [c for c in frame.columns if c != time_col]
    if not series:
        raise ConfigError("data.path", source, "a time column plus at least one series column")
    columns = {c: _numeric(frame[c], f"data column {c}", source) for c in series}
    times = time_axis(frame[time_col], time_format)
    if times.duplicated().any():
        raise ConfigError("data.path", source, f"one row per {time_col} after parsing the "
                          f"times; duplicate {frame[time_col][times.duplicated()].iloc[0]}")
    wide = pd.DataFrame(columns).set_axis(times).sort_index()
    wide.columns = [str(c) for c in wide.columns]
    return wide

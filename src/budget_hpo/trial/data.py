"""The data group: load a multivariate panel (embedded synthetic, CSV or Parquet) and check it.

Whatever the source, the result is a :class:`Panel`: aligned series on one integer time axis
(0..T-1, so irregular calendars such as trading days need no frequency), in neuralforecast's long
format and as a dense ``[T, N]`` matrix. Every problem raises :class:`ConfigError` before training.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from budget_hpo.errors import ConfigError
from budget_hpo.schema import DataConfig
from budget_hpo.trial.synthetic import synthetic_panel

__all__ = [
    "FORMATS",
    "LAYOUTS",
    "NAN_POLICIES",
    "SOURCES",
    "TRANSFORMS",
    "Panel",
    "load_panel",
    "panel_from_frame",
    "required_length",
]

SOURCES = ("synthetic", "csv")
FORMATS = ("auto", "csv", "parquet")
LAYOUTS = ("auto", "long", "wide")
TRANSFORMS = ("none", "diff", "log_diff", "pct_change")
NAN_POLICIES = ("error", "ffill")


@dataclass(frozen=True)
class Panel:
    """Aligned series: ``values[t, i]`` is series ``ids[i]`` at step ``t``."""

    ids: tuple[str, ...]
    values: np.ndarray  # [T, N] float64

    @property
    def n_series(self) -> int:
        return len(self.ids)

    @property
    def length(self) -> int:
        return int(self.values.shape[0])

    def long(self) -> pd.DataFrame:
        """neuralforecast's long format: ``unique_id``, ``ds`` (0..T-1), ``y``, sorted."""
        t_len, n = self.values.shape
        return pd.DataFrame(
            {
                "unique_id": np.repeat(np.asarray(self.ids, dtype=object), t_len),
                "ds": np.tile(np.arange(t_len, dtype=np.int64), n),
                "y": self.values.T.reshape(-1),
            }
        )


def required_length(data: DataConfig, input_size: int) -> int:
    """Shortest series that fits one training window plus the validation and test splits."""
    return input_size + data.horizon + data.val_size + data.test_size


def load_panel(data: DataConfig) -> Panel:
    """Load and check the configured panel (``cfg.data``)."""
    if data.name not in SOURCES:
        raise ConfigError("data", data.name, " | ".join(SOURCES))
    if data.name == "synthetic":
        if data.generator is None:
            raise ConfigError("data.generator", None, "the synthetic panel's settings")
        return panel_from_frame(synthetic_panel(data.generator), data, source="synthetic data")
    return panel_from_frame(_read_table(data), data, source=str(data.path))


def _read_table(data: DataConfig) -> pd.DataFrame:
    if data.path is None:
        raise ConfigError("data.path", None, "the path of a .csv or .parquet file (data.path=...)")
    path = Path(data.path).expanduser()
    if not path.is_file():
        raise ConfigError("data.path", str(path), "an existing .csv or .parquet file (not found)")
    fmt = data.format
    if fmt not in FORMATS:
        raise ConfigError("data.format", fmt, " | ".join(FORMATS))
    if fmt == "auto":
        fmt = "parquet" if path.suffix.lower() in (".parquet", ".pq") else "csv"
    try:
        return pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
    except Exception as err:  # unreadable file: name it and the reader's complaint, on one line
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ConfigError("data.path", str(path), f"a readable {fmt} file ({reason})") from err


def panel_from_frame(frame: pd.DataFrame, data: DataConfig, *, source: str) -> Panel:
    """Check a long or wide table and turn it into a :class:`Panel` (after ``data.transform``)."""
    layout = data.layout
    if layout not in LAYOUTS:
        raise ConfigError("data.layout", layout, " | ".join(LAYOUTS))
    id_col, time_col, target_col = data.id_col, data.time_col, data.target_col
    if layout == "auto":
        layout = "long" if {id_col, target_col} <= set(frame.columns) else "wide"
    if layout == "long":
        wide = _long_to_wide(frame, id_col, time_col, target_col, source)
    else:
        wide = _wide(frame, time_col, source)
    values = _apply_nan_policy(wide, data.nan_policy, source)
    values = _transform(values, data.transform, source)
    return Panel(ids=tuple(str(c) for c in wide.columns), values=values)


def _long_to_wide(
    frame: pd.DataFrame, id_col: str, time_col: str, target_col: str, source: str
) -> pd.DataFrame:
    missing = [c for c in (id_col, time_col, target_col) if c not in frame.columns]
    if missing:
        raise ConfigError(
            "data.layout",
            "long",
            f"columns {id_col}, {time_col}, {target_col} in {source}; missing {missing} "
            f"(have {list(frame.columns)}; rename with data.id_col/time_col/target_col)",
        )
    target = frame[target_col]
    if not pd.api.types.is_numeric_dtype(target):
        bad = target[pd.to_numeric(target, errors="coerce").isna() & target.notna()].iloc[0]
        raise ConfigError(f"data.target_col ({target_col})", repr(bad),
                          f"numeric values in {source}")
    dup = frame.duplicated([id_col, time_col])
    if dup.any():
        row = frame.loc[dup, [id_col, time_col]].iloc[0]
        raise ConfigError(
            "data.path",
            source,
            f"one row per ({id_col}, {time_col}); duplicate ({row[id_col]}, {row[time_col]})",
        )
    frame = frame.assign(**{time_col: _time_axis(frame[time_col])})
    wide = frame.pivot(index=time_col, columns=id_col, values=target_col).sort_index()
    wide.columns = [str(c) for c in wide.columns]
    counts = frame.groupby(id_col)[time_col].size()
    if counts.nunique() > 1:
        short = counts.idxmin()
        raise ConfigError(
            "data.path",
            source,
            f"series on one shared time axis; {short} has {counts.min()} rows, others up to "
            f"{counts.max()} (align them, or drop the series)",
        )
    return wide


def _wide(frame: pd.DataFrame, time_col: str, source: str) -> pd.DataFrame:
    if time_col not in frame.columns:
        raise ConfigError(
            "data.time_col", time_col, f"a column of {source} (have {list(frame.columns)})"
        )
    series = [c for c in frame.columns if c != time_col]
    if not series:
        raise ConfigError("data.path", source, "a time column plus at least one series column")
    for col in series:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            values = frame[col]
            bad = values[pd.to_numeric(values, errors="coerce").isna() & values.notna()].iloc[0]
            raise ConfigError(f"data column {col}", repr(bad), f"numeric values in {source}")
    times = _time_axis(frame[time_col])
    if times.duplicated().any():
        raise ConfigError(
            "data.path", source,
            f"one row per {time_col}; duplicate {frame[time_col][times.duplicated()].iloc[0]}",
        )
    wide = frame[series].set_axis(times).sort_index()
    wide.columns = [str(c) for c in wide.columns]
    return wide


def _time_axis(column: pd.Series) -> pd.Series:
    """Numbers stay numbers; anything else is parsed as dates (sortable either way)."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
        return column
    parsed = pd.to_datetime(column, errors="coerce")
    return parsed if parsed.notna().all() else column.astype(str)


def _apply_nan_policy(wide: pd.DataFrame, policy: str, source: str) -> np.ndarray:
    if policy not in NAN_POLICIES:
        raise ConfigError("data.nan_policy", policy, " | ".join(NAN_POLICIES))
    if policy == "ffill":
        wide = wide.ffill().dropna(how="any")
    nan = wide.isna()
    if nan.to_numpy().any():
        col = nan.any().idxmax()
        when = nan[col].idxmax()
        raise ConfigError(
            "data.nan_policy",
            policy,
            f"ffill, or a table without NaN targets ({source}: series {col} at {when})",
        )
    return wide.to_numpy(dtype=np.float64)


def _transform(values: np.ndarray, transform: str, source: str) -> np.ndarray:
    if transform not in TRANSFORMS:
        raise ConfigError("data.transform", transform, " | ".join(TRANSFORMS))
    if transform == "none":
        return values
    if transform in ("log_diff", "pct_change") and (values <= 0).any():
        raise ConfigError("data.transform", transform, f"diff or none: {source} has values <= 0")
    if transform == "diff":
        return np.diff(values, axis=0)
    if transform == "log_diff":
        return np.diff(np.log(values), axis=0)
    return values[1:] / values[:-1] - 1.0

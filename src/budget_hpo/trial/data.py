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
from budget_hpo.trial.pooling import pool_tables
from budget_hpo.trial.synthetic import synthetic_panel
from budget_hpo.trial.tables import long_to_wide, wide_table

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
    if data.source not in SOURCES:
        raise ConfigError("data.source", data.source, " | ".join(SOURCES))
    if data.source == "synthetic":
        if data.generator is None:
            raise ConfigError("data.generator", None, "the synthetic panel's settings")
        return panel_from_frame(synthetic_panel(data.generator), data, source="synthetic data")
    files = _files(data)
    tables = [(str(f), _wide(_read_table(f, data), data, str(f))) for f in files]
    if len(tables) == 1:
        return _panel(tables[0][1], data, str(files[0]))
    return _panel(pool_tables(tables, data.align), data, " + ".join(str(f) for f in files))


def _files(data: DataConfig) -> list[Path]:
    """The file (``data.path``) or files (``data.paths``) to read; each must exist."""
    if data.path is not None and data.paths:
        raise ConfigError("data.paths", list(data.paths), "unset when data.path is set (one of "
                          "the two: a file, or several pooled)")
    if data.path is None and not data.paths:
        raise ConfigError("data.path", None, "the path of a .csv or .parquet file (data.path=...)"
                          ", or several to pool (data.paths=[a.csv,b.csv])")
    key = "data.path" if data.path is not None else "data.paths"
    named = [data.path] if data.path is not None else list(data.paths or [])
    files = [Path(p).expanduser() for p in named]
    for path in files:
        if not path.is_file():
            raise ConfigError(key, str(path), "an existing .csv or .parquet file (not found)")
    return files


def _read_table(path: Path, data: DataConfig) -> pd.DataFrame:
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
    return _panel(_wide(frame, data, source), data, source)


def _wide(frame: pd.DataFrame, data: DataConfig, source: str) -> pd.DataFrame:
    """A long or wide table as one column per series on its sorted time axis."""
    layout = data.layout
    if layout not in LAYOUTS:
        raise ConfigError("data.layout", layout, " | ".join(LAYOUTS))
    id_col, time_col, target_col = data.id_col, data.time_col, data.target_col
    if layout == "auto":
        layout = "long" if {id_col, target_col} <= set(frame.columns) else "wide"
    if frame.empty:
        raise ConfigError("data.path", source, "a table with rows (it has only a header)")
    if layout == "long":
        return long_to_wide(frame, id_col, time_col, target_col, source, data.time_format)
    return wide_table(frame, time_col, source, data.time_format)


def _panel(wide: pd.DataFrame, data: DataConfig, source: str) -> Panel:
    values = _apply_nan_policy(wide, data.nan_policy, source)
    _check_finite(values, wide, source)
    values = _transform(values, data.transform, source)
    ids = tuple(str(c) for c in wide.columns)
    _check_varies(values, ids, source)
    return Panel(ids=ids, values=values)


def _apply_nan_policy(wide: pd.DataFrame, policy: str, source: str) -> np.ndarray:
    if policy not in NAN_POLICIES:
        raise ConfigError("data.nan_policy", policy, " | ".join(NAN_POLICIES))
    if policy == "ffill":  # fill gaps inside a series only, never past its last observation
        wide = wide.ffill(limit_area="inside")
        started = wide.notna().all(axis=1).to_numpy()
        wide = wide.iloc[int(started.argmax()) if started.any() else 0:]  # all series begun
    nan = wide.isna()
    if nan.to_numpy().any():
        col = nan.any().idxmax()
        when = nan[col].idxmax()
        hint = ("ffill fills gaps inside a series only, never past its last observation"
                if policy == "ffill" else "or data.nan_policy=ffill for gaps inside a series")
        raise ConfigError("data.nan_policy", policy,
                          f"a table without NaN targets ({source}: series {col} at {when}; {hint})")
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


def _check_finite(values: np.ndarray, wide: pd.DataFrame, source: str) -> None:
    """Refuse inf and -inf, naming the series and the row (NaN is the NaN policy's job)."""
    bad = np.isinf(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise ConfigError("data.path", source, f"finite values; series {wide.columns[col]} is "
                          f"{values[row, col]} at {wide.index[row]}")


def _check_varies(values: np.ndarray, ids: tuple[str, ...], source: str) -> None:
    """Refuse a series that never changes: it has no direction to forecast."""
    flat = [ids[i] for i in np.flatnonzero(np.nanstd(values, axis=0) == 0.0)]
    if flat:
        raise ConfigError("data.path", source, f"series that vary; {', '.join(flat[:5])} "
                          f"{'is' if len(flat) == 1 else 'are'} constant after data.transform")

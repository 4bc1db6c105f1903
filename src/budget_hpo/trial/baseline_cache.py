"""Baseline scores computed once per dataset, splits and horizon, and reused by every trial.

A baseline's scores depend only on what its function is given (the panel's values, the splits,
the horizon and the origins) and on its code: its registered ``version``, the source file that
defines its function (any edit there invalidates its files) and scikit-learn's version.
:func:`cache_key` hashes all of that. A trial looks the key up in this process's memory, then in
the cache folder (``objective.baseline_cache``, shared by a cluster's workers), and computes the
scores only when both miss; it then keeps them in both.

A file is ``<folder>/<baseline>-<key>.npy``, written to a temporary name and renamed into place,
so a reader never sees half a file and two workers racing write the same bytes. A file that does
not load, or holds the wrong shape or non-finite scores, is recomputed and rewritten: the cache
can be deleted at any time.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import os
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from budget_hpo.trial.baselines import Baseline, baselines
from budget_hpo.trial.evaluation import Splits

__all__ = ["STATS", "CacheStats", "all_scores", "cache_key", "cache_path", "cached_scores",
           "clear_memory"]

log = logging.getLogger(__name__)

FORMAT = 1  # bump when the key's recipe or the file layout changes
MEMORY_ENTRIES = 64  # scores kept in this process (each is [origins, series] float64)


@dataclass
class CacheStats:
    """How this process's baseline scores were obtained (tests and benchmarks read them)."""

    computed: int = 0
    memory_hits: int = 0
    disk_hits: int = 0


STATS = CacheStats()
_MEMORY: OrderedDict[str, np.ndarray] = OrderedDict()
# scikit-learn's version, read from its metadata: importing it for __version__ costs a trial
# that finds its baselines cached 1.5 s
_SKLEARN = version("scikit-learn")


def clear_memory() -> None:
    """Forget this process's scores (the folder's files stay)."""
    _MEMORY.clear()


@functools.cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _code_of(function: Callable[..., Any]) -> str:
    """The digest of the source file that defines ``function`` (its name where it has none)."""
    try:
        path = inspect.getsourcefile(function)
    except TypeError:  # a builtin or a functools.partial
        path = None
    if path is None or not Path(path).is_file():
        return getattr(function, "__qualname__", repr(function))
    return _file_digest(path)


def cache_key(baseline: Baseline, values: np.ndarray, splits: Splits, horizon: int,
              origins: np.ndarray) -> str:
    """The SHA-256 (hex) of everything ``baseline``'s scores depend on."""
    digest = hashlib.sha256()
    head = (f"{FORMAT}|{baseline.name}|{baseline.version}|{_code_of(baseline.scores)}|"
            f"{_SKLEARN}|{horizon}|"
            f"{splits.length}|{splits.train_end}|{splits.val_end}|{splits.step}|"
            f"{values.dtype.str}|{values.shape}")
    digest.update(head.encode())
    for array in (values, np.asarray(origins, dtype=np.int64)):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def cache_path(folder: Path, baseline: Baseline, key: str) -> Path:
    return Path(folder) / f"{baseline.name}-{key}.npy"


def _load(path: Path, shape: tuple[int, int]) -> np.ndarray | None:
    """The scores in ``path``, or None when it is absent or not what the key promises."""
    if not path.is_file():
        return None
    try:
        scores = np.load(path, allow_pickle=False)
    except Exception as err:  # a truncated or foreign file fails in many ways: recompute
        log.warning("baseline cache file %s unreadable (%s): recomputing", path, err)
        return None
    if scores.shape != shape or scores.dtype != np.float64 or not np.isfinite(scores).all():
        log.warning("baseline cache file %s holds %s %s, not %s finite float64: recomputing",
                    path, scores.dtype, scores.shape, shape)
        return None
    return scores


def _save(path: Path, scores: np.ndarray) -> None:
    """Write atomically (a unique temporary name, then a rename); a folder that cannot be
    written only costs the reuse."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            np.save(handle, scores, allow_pickle=False)
        os.replace(tmp, path)
    except OSError as err:
        log.warning("baseline cache %s not written (%s)", path, err)
        if tmp.is_file():
            tmp.unlink()


def cached_scores(baseline: Baseline, values: np.ndarray, splits: Splits, horizon: int,
                  origins: np.ndarray, folder: Path | None) -> np.ndarray:
    """``baseline``'s scores ``[origins, series]``: from memory, else from ``folder`` (None: no
    files), else computed (and then kept in both)."""
    key = cache_key(baseline, values, splits, horizon, origins)
    if key in _MEMORY:
        STATS.memory_hits += 1
        _MEMORY.move_to_end(key)
        return _MEMORY[key]
    path = None if folder is None else cache_path(folder, baseline, key)
    scores = None if path is None else _load(path, (len(origins), values.shape[1]))
    if scores is not None:
        STATS.disk_hits += 1
    else:
        STATS.computed += 1
        scores = np.asarray(baseline.scores(values, splits, horizon, origins), dtype=np.float64)
        if path is not None:
            _save(path, scores)
    scores.setflags(write=False)  # shared by every trial that reuses it
    _MEMORY[key] = scores
    while len(_MEMORY) > MEMORY_ENTRIES:
        _MEMORY.popitem(last=False)
    return scores


def all_scores(values: np.ndarray, splits: Splits, horizon: int, origins: np.ndarray,
               folder: Path | None) -> dict[str, np.ndarray]:
    """Every registered baseline's scores from ``origins`` (see :func:`cached_scores`)."""
    return {b.name: cached_scores(b, values, splits, horizon, origins, folder)
            for b in baselines()}

"""What the baselines cost a trial: fitted afresh (every trial before the cache), and read back
from memory (a study's later trials in one process) or from the cache folder (a worker's first
trial on data another worker scored). Used by ``scripts/bench_baselines.py``; the product does
not import it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from budget_hpo.schema import Config
from budget_hpo.trial.baseline_cache import all_scores, clear_memory
from budget_hpo.trial.baselines import baselines

__all__ = ["BaselineCost", "baseline_cost"]


@dataclass(frozen=True)
class BaselineCost:
    """Seconds per trial for every registered baseline together (medians over repeats)."""

    shape: tuple[int, int]  # the panel's [steps, series]
    origins: int  # validation and test origins scored
    fresh_s: dict[str, float]  # each baseline fitted and scored afresh
    memory_s: float  # every baseline from this process's memory
    disk_s: float  # every baseline from the cache folder (a fresh worker)

    @property
    def fresh_total_s(self) -> float:
        return sum(self.fresh_s.values())


def _median_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def baseline_cost(cfg: Config, fresh_repeats: int = 1, hit_repeats: int = 20) -> BaselineCost:
    """Time the baselines on ``cfg``'s data, splits and horizon, all in this one run."""
    from budget_hpo.trial.run import prepare_data

    panel, splits = prepare_data(cfg)
    values, horizon = panel.values[: splits.length], cfg.data.horizon
    origins = np.concatenate([splits.val_origins, splits.test_origins])
    import sklearn.ensemble  # noqa: F401  (imported once per process: not a per-trial cost)
    import sklearn.linear_model  # noqa: F401

    fresh = {b.name: _median_time(partial(b.scores, values, splits, horizon, origins),
                                  fresh_repeats) for b in baselines()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clear_memory()
        all_scores(values, splits, horizon, origins, folder)  # computes and writes the files
        memory = _median_time(lambda: all_scores(values, splits, horizon, origins, folder),
                              hit_repeats)

        def from_disk() -> None:
            clear_memory()
            all_scores(values, splits, horizon, origins, folder)

        disk = _median_time(from_disk, hit_repeats)
    clear_memory()
    return BaselineCost((int(values.shape[0]), int(values.shape[1])), len(origins), fresh,
                        memory, disk)

"""From a phase's best configs to the scaling laws' inputs.

- :data:`LAW_METRICS`: the validation metrics a law is fitted for: the AUC (higher is better)
  and every registered forecast loss (:data:`budget_hpo.forecast_losses.LOSSES`, lower is
  better). A metric the trials did not record gets no law,
  and the findings say so.
- :func:`budget_seeds`: a best config's points for a law
  (:class:`~budget_hpo.laws.BudgetSeeds`): its exact parameter count and its metric on each
  fresh seed, each with the origin interval that seed's trial recorded
  (``val_<metric>_low``/``_high``; NaN bounds where none was recorded); a config without fresh
  seeds gives its selected value alone. :func:`mean_intervals`: their means with a 95%
  interval, for any stored metric (a test AUC, a gap to a baseline).

The learning-rate law's points are phase 2's (:func:`budget_hpo.phase2.lr_transfer.lr_points`):
the findings fit the very law a phase-2 file's first trial comes from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from budget_hpo.forecast_losses import LOSSES
from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetSeeds, mean_interval, seed_noise
from budget_hpo.report.best_configs import RankedConfig
from budget_hpo.report.snapshot import TrialSnapshot

__all__ = ["LAW_METRICS", "LawMetric", "budget_seeds", "mean_intervals", "measured", "seeds_of"]



@dataclass(frozen=True)
class LawMetric:
    """A validation metric a law is fitted for: its stored name and its direction."""

    name: str  # auc, mse, mae: stored as val_<name>, val_<name>_low, val_<name>_high
    maximize: bool

    @property
    def key(self) -> str:
        return f"val_{self.name}"

    @property
    def label(self) -> str:
        return f"val {self.name.upper()}"


LAW_METRICS = (LawMetric("auc", maximize=True),
               *(LawMetric(loss, maximize=False) for loss in LOSSES))


def _finite(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else math.nan


def measured(trial: TrialSnapshot, key: str) -> Interval | None:
    """``trial``'s stored ``key`` (``val_auc``, ``val_minus_gbt``...) with its interval
    (``key_low``, ``key_high``; NaN bounds where none was recorded), or None where it recorded no
    finite value."""
    row = trial.record.to_row()
    value = _finite(row.get(key))
    if math.isnan(value):
        return None
    return Interval(value, _finite(row.get(f"{key}_low")), _finite(row.get(f"{key}_high")))


def seeds_of(config: RankedConfig, key: str) -> BudgetSeeds | None:
    """``config``'s stored ``key`` on each of its fresh seeds, else its selected value; None
    without an exact parameter count or a recorded value."""
    if not config.n_params:
        return None
    trials = config.reruns if config.fresh else (config.trial,)
    values = tuple(v for v in (measured(t, key) for t in trials) if v is not None)
    return BudgetSeeds(config.n_params, values) if values else None


def budget_seeds(config: RankedConfig, metric: LawMetric) -> BudgetSeeds | None:
    """``config``'s points for a law of ``metric`` (:func:`seeds_of` its ``val_<metric>``)."""
    return seeds_of(config, metric.key)


def mean_intervals(configs: Sequence[RankedConfig], key: str,
                   pool: Sequence[RankedConfig]) -> list[Interval | None]:
    """Each config's mean of ``key`` over its fresh seeds (else its selected value) with its 95%
    interval (:func:`budget_hpo.laws.mean_interval`, the seed SD pooled over the fresh seeds of
    ``pool``, a phase's configs); None where it recorded no value."""
    noise = seed_noise(s for s in (seeds_of(c, key) for c in pool) if s is not None)
    return [None if (s := seeds_of(c, key)) is None else mean_interval(s, noise)
            for c in configs]

"""The stored names of the baselines' metrics, spelt in one place (``result.json``, a trial's
user attributes, ``trials.csv``): ``<name>_<split>_auc[_low|_high]`` and
``<split>_minus_<name>[_low|_high]``. Which baselines exist is the registry's business
(:mod:`budget_hpo.trial.baselines`); a record only needs to recognise their names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

__all__ = ["SPLITS", "MetricAttributes", "MetricKeys", "is_metric_name", "metric_keys"]

SPLITS = ("val", "test")  # the scored splits, in the order their fields are written
_NAME = re.compile(r"^(?:[a-z][a-z0-9_]*_(?:val|test)_auc|(?:val|test)_minus_[a-z][a-z0-9_]*)"
                   r"(?:_low|_high)?$")


class MetricKeys(NamedTuple):
    """The stored names of one baseline's metrics on one split."""

    auc: str  # its AUC: naive_val_auc
    auc_low: str  # its 95% interval: naive_val_auc_low, naive_val_auc_high
    auc_high: str
    gap: str  # model AUC - its AUC, paired: val_minus_naive, _low, _high
    gap_low: str
    gap_high: str


def metric_keys(name: str, split: str) -> MetricKeys:
    """The one place a baseline metric's name is spelt."""
    auc, gap = f"{name}_{split}_auc", f"{split}_minus_{name}"
    return MetricKeys(auc, f"{auc}_low", f"{auc}_high", gap, f"{gap}_low", f"{gap}_high")


def is_metric_name(key: str) -> bool:
    """Whether ``key`` is a name :func:`metric_keys` spells (``gbt_val_auc_low``: yes;
    ``val_auc_low``, the model's own: no)."""
    return bool(_NAME.match(key))


class MetricAttributes:
    """Read a record's baseline metrics, kept in its ``baselines`` mapping, as attributes:
    ``result.naive_val_auc`` (None when that metric was not recorded)."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or not is_metric_name(name):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        metrics: Mapping[str, Any] = self.__dict__.get("baselines", {})
        return metrics.get(name)

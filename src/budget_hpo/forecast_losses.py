"""The forecast losses every trial records beside its AUC, registered once: each one's pointwise
error and its stored names (``result.json``, a trial's user attributes, ``trials.csv``,
``rescored.csv``): ``<split>_<loss>`` and its 95% interval ``<split>_<loss>_low``,
``<split>_<loss>_high``, as the model's AUC is ``val_auc``, ``val_auc_low``, ``val_auc_high``.

A loss is the mean of its pointwise error over every (origin, series, step ahead) of a split;
its interval comes from the AUC's block bootstrap (:mod:`budget_hpo.trial.scoring`). Every loss
is also an objective a search can minimise (``objective=mse``). This module imports nothing
heavy: the records read their names from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from budget_hpo.baseline_fields import SPLITS, MetricAttributes

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "LOSSES", "LossAttributes", "LossKeys", "is_loss_name", "loss_keys", "loss_names", "mean_loss",
]


def _squared(error: np.ndarray) -> np.ndarray:
    return error * error


def _absolute(error: np.ndarray) -> np.ndarray:
    return abs(error)


# name -> pointwise error of (forecast - actual); the loss is its mean
LOSSES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"mse": _squared, "mae": _absolute}


class LossKeys(NamedTuple):
    """The stored names of one loss on one split."""

    value: str  # val_mse
    low: str  # its 95% interval: val_mse_low, val_mse_high
    high: str


def loss_keys(loss: str, split: str) -> LossKeys:
    """The one place a loss field's name is spelt."""
    value = f"{split}_{loss}"
    return LossKeys(value, f"{value}_low", f"{value}_high")


def loss_names() -> tuple[str, ...]:
    """Every loss field on both splits, in the order they are written."""
    return tuple(key for split in SPLITS for loss in LOSSES for key in loss_keys(loss, split))


def is_loss_name(key: str) -> bool:
    """Whether ``key`` is a name :func:`loss_keys` spells (``test_mae_low``: yes)."""
    return key in loss_names()


def mean_loss(loss: str, forecast: np.ndarray, actual: np.ndarray) -> float:
    """The loss of ``forecast`` against ``actual`` (same shape), averaged over every element."""
    return float(LOSSES[loss](forecast - actual).mean())


class LossAttributes(MetricAttributes):
    """Read a record's losses, kept in its ``losses`` mapping, as attributes (``result.val_mae``;
    None when not recorded), beside its baseline metrics (:class:`MetricAttributes`)."""

    def __getattr__(self, name: str) -> Any:
        if not is_loss_name(name):
            return super().__getattr__(name)
        losses: Mapping[str, Any] = self.__dict__.get("losses", {})
        return losses.get(name)

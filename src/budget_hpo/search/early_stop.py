"""The phase-1 early-stop rule, as a pure function.

Once at least ``patience`` trials are complete and the best ``top_k`` objective values lie within
``threshold`` of each other, the study has converged and no further trials are launched. Only
COMPLETE trials count: failed and pruned trials have no comparable objective value, so they count
neither towards ``patience`` nor towards the top ``top_k``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from budget_hpo.errors import ConfigError
from budget_hpo.schema import EarlyStopConfig

__all__ = ["Convergence", "check_convergence", "check_rule"]


def check_rule(rule: EarlyStopConfig) -> None:
    """Refuse a rule that could never fire or always fires.

    Raises:
        ConfigError: ``patience < 1``, ``top_k < 2`` or a negative ``threshold``.
    """
    if rule.patience < 1:
        raise ConfigError("search.early_stop.patience", rule.patience, "an integer >= 1")
    if rule.top_k < 2:
        raise ConfigError("search.early_stop.top_k", rule.top_k, "an integer >= 2")
    if not rule.threshold >= 0:
        raise ConfigError("search.early_stop.threshold", rule.threshold, "a number >= 0")


@dataclass(frozen=True)
class Convergence:
    """The rule's verdict: whether to stop, on how many complete trials, and the top-k spread."""

    converged: bool
    n_complete: int
    spread: float | None  # max - min of the best top_k values; None with fewer than top_k
    top_values: tuple[float, ...]


def check_convergence(
    values: Iterable[float], direction: str, rule: EarlyStopConfig
) -> Convergence:
    """Apply the early-stop rule to the objective values of the COMPLETE trials.

    Args:
        values: objective values of complete trials (any order); NaN values are ignored.
        direction: ``"maximize"`` or ``"minimize"``: which end is "best".
        rule: patience, threshold and top_k.
    """
    if direction not in ("maximize", "minimize"):
        raise ConfigError("direction", direction, "maximize | minimize")
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    ranked = sorted(finite, reverse=direction == "maximize")
    if len(ranked) < rule.top_k:
        return Convergence(False, len(ranked), None, tuple(ranked))
    top = tuple(ranked[: rule.top_k])
    spread = max(top) - min(top)
    converged = len(ranked) >= rule.patience and spread <= rule.threshold + 1e-12
    return Convergence(converged, len(ranked), spread, top)

"""The phase-1 early-stop rule, as a pure function.

Once at least ``patience`` trials are complete and the best ``top_k`` objective values lie within
``threshold`` of each other, the study has converged and no further trials are launched. Only
COMPLETE trials count: failed and pruned trials have no comparable objective value, so they count
neither towards ``patience`` nor towards the top ``top_k``.

``threshold: auto`` sets the threshold from measured seed noise: the first forced config is rerun
with ``noise_seeds`` further model seeds when the phase starts, and the threshold is
``noise_factor`` times their standard deviation (:class:`budget_hpo.records.NoiseRecord`). Until
that is measured the rule cannot fire.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from budget_hpo.errors import ConfigError
from budget_hpo.records import NoiseRecord
from budget_hpo.schema import EarlyStopConfig
from budget_hpo.trial.validation import is_auto

__all__ = ["Convergence", "check_convergence", "in_force"]


def in_force(rule: EarlyStopConfig, noise: NoiseRecord | None) -> EarlyStopConfig:
    """The rule with a number for its threshold: ``auto`` becomes the measured noise's
    threshold, or NaN (the rule cannot fire) while the noise is not yet measured."""
    if not is_auto(rule):
        return rule
    return replace(rule, threshold=float("nan") if noise is None else noise.threshold)


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
        rule: patience, threshold (a number: see :func:`in_force`) and top_k.
    """
    if direction not in ("maximize", "minimize"):
        raise ConfigError("direction", direction, "maximize | minimize")
    finite = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    ranked = sorted(finite, reverse=direction == "maximize")
    if len(ranked) < rule.top_k:
        return Convergence(False, len(ranked), None, tuple(ranked))
    top = tuple(ranked[: rule.top_k])
    spread = max(top) - min(top)
    threshold = float(rule.threshold)
    converged = len(ranked) >= rule.patience and spread <= threshold + 1e-12
    return Convergence(converged, len(ranked), spread, top)

"""``search.first_trial``: a partial config enqueued once as a study's first trial (after any
forced configs), its other parameters sampled. Phase-2 files set it to the learning rate that
phase 1's learning-rate law predicts at their budget's size (``search.phase2.transfer_lr``)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import optuna
from optuna.distributions import BaseDistribution, FloatDistribution, IntDistribution

from budget_hpo.errors import ConfigError
from budget_hpo.records import TrialRecord

__all__ = ["FIRST_ID", "enqueue_first", "first_trial_params"]

log = logging.getLogger(__name__)

FIRST_ID = "first-trial"  # its forced_id: how a resumed study knows it was enqueued


def first_trial_params(first: Mapping[str, float] | None, space: Mapping[str, BaseDistribution]
                       ) -> dict[str, float]:
    """``first`` checked against the search space: a value outside a numeric range is clipped to
    it (and logged), so that the trial runs the nearest value the space allows.

    Raises:
        ConfigError: a key that is not a parameter of the space, or a value that is no number.
    """
    out: dict[str, float] = {}
    for name, value in (first or {}).items():
        dist = space.get(name)
        if not isinstance(dist, FloatDistribution | IntDistribution):
            allowed = ", ".join(k for k, d in space.items()
                                if isinstance(d, FloatDistribution | IntDistribution))
            raise ConfigError(f"search.first_trial.{name}", value,
                              f"a numeric parameter of hydra.sweeper.params: {allowed or 'none'}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"search.first_trial.{name}", value, "a number") from None
        clipped = min(max(number, dist.low), dist.high)
        if clipped != number:
            log.warning("search.first_trial.%s=%g is outside the space [%g, %g]: runs %g",
                        name, number, dist.low, dist.high, clipped)
        out[name] = int(round(clipped)) if isinstance(dist, IntDistribution) else clipped
    return out


def enqueue_first(study: optuna.Study, params: Mapping[str, float]) -> list[str]:
    """Enqueue the first trial unless the study holds it already (call under the study lock);
    returns ``[FIRST_ID]`` when enqueued, else ``[]``."""
    if not params:
        return []
    trials = study.get_trials(deepcopy=False)
    if any(TrialRecord.from_attrs(t.user_attrs).forced_id == FIRST_ID for t in trials):
        return []
    record = TrialRecord(forced=True, forced_id=FIRST_ID)
    study.enqueue_trial(dict(params), user_attrs=record.to_attrs())
    return [FIRST_ID]

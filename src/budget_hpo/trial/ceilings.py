"""The planted ceiling of an embedded panel beside the linear baseline, on a trial's own splits.

The generator's noise-free signal (:func:`budget_hpo.trial.synthetic.synthetic_signal`) is the
oracle's one-step forecast; its test AUC is the ceiling no model beats but by chance. Ridge (the
``linear`` baseline) on the same origins shows how much of the planted structure a linear model on
lagged returns holds: nearly all of it on ``data=synthetic``, little on ``synthetic_nonlinear``.
``tests/trial/test_synthetic.py`` checks both; ``scripts/bench_panels.py`` prints them per seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.trial.baselines import linear_scores
from budget_hpo.trial.evaluation import direction_auc, horizon_change
from budget_hpo.trial.run import prepare_data
from budget_hpo.trial.synthetic import synthetic_signal

__all__ = ["Ceiling", "panel_ceiling"]


@dataclass(frozen=True)
class Ceiling:
    """Test AUCs on one panel: the planted ceiling and the ridge baseline's."""

    ceiling: float
    ridge: float
    origins: int  # test origins scored

    @property
    def gap(self) -> float:
        return self.ceiling - self.ridge


def panel_ceiling(cfg: Config) -> Ceiling:
    """The test AUCs (horizon 1, ``objective.threshold``) of ``cfg``'s embedded panel's signal
    and of the ridge baseline, on the splits and origins a trial of ``cfg`` lays out.

    Raises:
        ConfigError: not an embedded panel, or a horizon other than 1 (the signal is one step).
    """
    if cfg.data.generator is None:
        raise ConfigError("data", cfg.data.source, "an embedded panel (data=synthetic | "
                          "synthetic_nonlinear): a file has no planted signal")
    if cfg.data.horizon != 1:
        raise ConfigError("data.horizon", cfg.data.horizon, "1 (the signal is a one-step forecast)")
    loaded, splits = prepare_data(cfg)
    values = loaded.values[: splits.length]
    origins = splits.test_origins
    realised = horizon_change(values, origins, 1)
    signal = synthetic_signal(cfg.data.generator)  # step c+1's signal: the forecast from c
    threshold = cfg.objective.threshold
    return Ceiling(direction_auc(realised, signal[origins + 1], threshold),
                   direction_auc(realised, linear_scores(values, splits, 1, origins), threshold),
                   len(origins))

"""Pruning in a sweep: the pruner for ``search.pruner`` and the reporter a job hands its trial.

The sweeper passes each job its trial number (``search.trial``); the job opens the same study
through :func:`budget_hpo.search.storage.open_study` and reports its validation objective every
``search.prune_every`` steps (:mod:`budget_hpo.trial.pruning`).
"""

from __future__ import annotations

from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.trial.pruning import Reporter
from budget_hpo.trial.validation import PRUNERS, check_pruning

__all__ = ["make_pruner", "open_reporter"]


def make_pruner(
    name: str, every: int, max_steps: int, threshold: float = 0.5, direction: str = "maximize"
) -> Any:
    """The Optuna pruner for ``search.pruner``.

    ``median``: stop a trial whose objective at a check is worse than the median of earlier
    trials at that step (after 5 trials). ``hyperband``: successive halving over ``every`` ..
    ``max_steps`` steps. ``threshold``: stop a trial whose objective is worse than
    ``search.prune_threshold`` at any check (e.g. an AUC still at chance).
    """
    import optuna

    if name not in PRUNERS:
        raise ConfigError("search.pruner", name, " | ".join(PRUNERS))
    if name == "threshold":
        if direction == "maximize":
            return optuna.pruners.ThresholdPruner(lower=threshold)
        return optuna.pruners.ThresholdPruner(upper=threshold)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=every)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=every, max_resource=max_steps, reduction_factor=3
        )
    return optuna.pruners.NopPruner()


def open_reporter(cfg: Config, storage: str | None, study_name: str | None) -> Reporter | None:
    """The reporter for this job's trial, or None outside a pruned sweep."""
    search = cfg.search
    if search.trial is None or search.pruner == "none" or not storage or not study_name:
        return None
    import optuna

    from budget_hpo.search.storage import open_study

    check_pruning(cfg)
    pruner = make_pruner(search.pruner, search.prune_every, cfg.trainer.max_steps,
                         search.prune_threshold, cfg.objective.direction)
    study = open_study(storage, study_name, pruner=pruner)
    frozen = study.get_trials(deepcopy=False)[search.trial]
    return Reporter(optuna.Trial(study, frozen._trial_id), search.prune_every)

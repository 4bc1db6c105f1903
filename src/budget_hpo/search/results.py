"""The phase's results file, ``optimization_results.yaml`` in the sweep folder.

The sweeper writes it when a phase ends normally; its ``phase_end`` flag tells the phase end
(:mod:`budget_hpo.phase_end`) whether this worker writes the phase-2 files and the report.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import optuna
from omegaconf import OmegaConf
from optuna.trial import TrialState

from budget_hpo.search.storage import display_url
from budget_hpo.search.study import early_stop_of

__all__ = ["RESULTS_FILE", "write_results"]

RESULTS_FILE = "optimization_results.yaml"  # the sweeper writes it when a phase ends normally

log = logging.getLogger(__name__)


def write_results(study: optuna.Study, storage: str, phase_end: bool, path: Path) -> None:
    """The best trial, the early stop and ``phase_end``, with the storage's password hidden."""
    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    results: dict[str, Any] = {"name": "optuna", "study_name": study.study_name,
                               "storage": display_url(storage), "n_complete": len(complete),
                               "phase_end": phase_end}
    if complete:
        best = study.best_trial
        results.update(best_params=best.params, best_value=best.value, best_trial=best.number)
        log.info("best trial %d: %s = %s", best.number, best.params, best.value)
    stop = early_stop_of(study)
    if stop is not None:
        results.update(stop.to_attrs())
    path.parent.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create(results), path)

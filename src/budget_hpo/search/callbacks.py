"""The search stage's Hydra callback (listed under ``hydra.callbacks`` in ``conf/search/``): the
early-stop rule after every job. What runs when a phase ends is :mod:`budget_hpo.phase_end`."""

from __future__ import annotations

from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

__all__ = ["EarlyStopCallback"]


class EarlyStopCallback(Callback):
    """At the end of every sweep job, evaluate the early-stop rule on the study.

    The job's own value is included before the sweeper has told it, so the verdict is current. When
    the rule fires, the stop is recorded on the study; every sweeper using that study (also on
    other machines) reads it before launching more trials.
    """

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        sweeper = config.hydra.sweeper
        if config.get("search") is None or config.search.trial is None:
            return
        if not sweeper.get("storage"):
            return
        from budget_hpo.schema import typed_config
        from budget_hpo.search.storage import open_study
        from budget_hpo.search.study import update_early_stop

        cfg = typed_config(config)
        pending: dict[int, float] = {}
        if job_return.status == JobStatus.COMPLETED and cfg.search.trial is not None:
            try:
                pending[cfg.search.trial] = float(job_return.return_value)
            except (TypeError, ValueError):
                pass
        study = open_study(str(sweeper.storage), str(sweeper.study_name), search=cfg.search)
        update_early_stop(study, cfg.search.early_stop, cfg.objective.direction, pending)

"""Hydra callbacks of the phase sweeps (listed under ``hydra.callbacks`` in ``conf/search/``)."""

from __future__ import annotations

import logging
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

__all__ = ["EarlyStopCallback"]

log = logging.getLogger(__name__)


class EarlyStopCallback(Callback):
    """At the end of every sweep job, evaluate the early-stop rule on the study.

    The job's own value is included before the sweeper has told it, so the verdict is current. When
    the rule fires, ``early_stop`` is recorded on the study; every sweeper using that study (also
    on other machines) reads it before launching more trials.
    """

    def __init__(self) -> None:
        self._studies: dict[tuple[str, str], Any] = {}

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        search = config.get("search")
        sweeper = config.hydra.sweeper
        if search is None or search.trial is None or not sweeper.get("storage"):
            return
        import optuna

        from budget_hpo.search.early_stop import EarlyStop
        from budget_hpo.search.study import update_early_stop

        pending: dict[int, float] = {}
        if job_return.status == JobStatus.COMPLETED:
            try:
                pending[int(search.trial)] = float(job_return.return_value)
            except (TypeError, ValueError):
                pass
        key = (str(sweeper.storage), str(sweeper.study_name))
        if key not in self._studies:  # opening an RDB storage checks its schema: once per process
            self._studies[key] = optuna.load_study(study_name=key[1], storage=key[0])
        study = self._studies[key]
        rule = EarlyStop(**search.early_stop)
        update_early_stop(study, rule, str(config.objective.direction), pending)


class Phase2Callback(Callback):
    """When a phase-1 multirun ends: write the phase-2 config files and the report.

    The files go to ``<search.phase2.config_dir or conf/>/search/phase2_<budget>.yaml``; the report
    to ``<sweep dir>/report/``. Problems are logged; they never turn a finished sweep into a failure.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from pathlib import Path

        import optuna

        from budget_hpo.errors import ConfigError
        from budget_hpo.configs import CONFIG_DIR
        from budget_hpo.phase2.writer import Phase2Settings, phase2_folder, write_phase2_files
        from budget_hpo.report.summary import with_phase2, write_report

        sweeper = config.hydra.sweeper
        storage, name = str(sweeper.storage), str(sweeper.study_name)
        study = optuna.load_study(study_name=name, storage=storage)
        settings = Phase2Settings.from_config(config.search.phase2)
        try:
            write_phase2_files(study, storage, settings, phase2_folder(settings, CONFIG_DIR))
        except ConfigError as err:
            log.warning("phase 2 files not written: %s", err)
        folder = Path(str(config.hydra.sweep.dir)) / "report"
        try:
            report = write_report(storage, folder, with_phase2(storage, name))
        except Exception as err:  # a report problem must not fail a finished sweep
            log.warning("report not written: %s", err)
            return
        log.info("report of %d trials: %s/summary.md (and trials.csv, scaling.png, history.png)",
                 len(report.trials), folder)
        log.info("browse the studies: optuna-dashboard %s", storage)

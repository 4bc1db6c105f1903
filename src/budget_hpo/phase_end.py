"""What runs when a phase sweep ends: the phase-2 files, the best trials' checkpoints and the
report. The conductor of the stages, so it sits above them: it calls ``search/``, ``phase2/`` and
``report/``, and none of them calls it. Hydra runs it as a callback (``hydra.callbacks.phase2``
in ``conf/search/phase1.yaml``); ``budget-hpo-phase2`` and ``budget-hpo-report`` write the same
files on demand.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from budget_hpo.errors import ConfigError
from budget_hpo.schema import ArtifactsConfig, typed_config
from budget_hpo.search.results import RESULTS_FILE

__all__ = ["Phase2Callback"]

log = logging.getLogger(__name__)


class Phase2Callback(Callback):
    """When a phase-1 multirun ends: write the phase-2 config files and the report.

    The files go to ``<config dir>/search/phase2_<budget>.yaml`` (the config dir: see
    :func:`budget_hpo.phase2.writer.phase2_folder`); the report to ``<sweep dir>/report/``. Only
    after a phase that ended normally (the sweeper wrote its results file; ``search.report=false``:
    no report, the command that writes it is logged instead): Hydra calls this hook
    also after a refused, aborted or interrupted sweep. Problems are logged; they never turn a
    finished sweep into a failure.
    """

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        from budget_hpo.phase2.experiment import experiment_of
        from budget_hpo.phase2.writer import write_phase2_files
        from budget_hpo.report import with_phase2, write_report
        from budget_hpo.search.faults import kill_point
        from budget_hpo.search.storage import dashboard_command, display_url, open_study
        from budget_hpo.search.study import phase_end_written

        sweeper = config.hydra.sweeper
        storage, name = str(sweeper.storage), str(sweeper.study_name)
        sweep_dir = Path(str(config.hydra.sweep.dir))
        results = sweep_dir / RESULTS_FILE
        if not results.is_file():  # refused, aborted or interrupted
            log.info("the phase did not end normally: no phase-2 files and no report written")
            return
        if not yaml.safe_load(results.read_text()).get("phase_end"):
            log.info("another worker writes the phase-2 files and the report (it finishes the "
                     "last trial); budget-hpo-phase2 and budget-hpo-report write them on demand")
            return
        study = open_study(storage, name)
        search = typed_config(config).search
        settings = search.phase2
        try:
            outcomes = write_phase2_files(study, storage, settings, experiment_of(config))
        except ConfigError as err:
            log.warning("phase 2 files not written: %s", err)
            outcomes = []
        kill_point("mid_phase2_write")
        if settings.run and outcomes:
            from budget_hpo.phase2.launch import run_phase2_files

            run_phase2_files(outcomes, sweep_dir, settings.run_overrides, settings.run_jobs)
        _store_checkpoints(search.artifacts, study)
        if not search.report:
            phase_end_written(study)
            log.info("no report (search.report=false); write it with: budget-hpo-report "
                     "--storage %s --study %s --out %s", display_url(storage), name,
                     sweep_dir / "report")
            return
        folder = sweep_dir / "report"
        try:
            report = write_report(storage, folder, with_phase2(storage, name))
        except Exception as err:  # a report problem must not fail a finished sweep
            log.warning("report not written: %s", err)
            return
        phase_end_written(study)
        log.info("browse the studies: %s", dashboard_command(storage))
        log.info("report of %d trials: %s/summary.md (and %s)", len(report.trials), folder,
                 ", ".join(f.name for f in report.files if f.name != "summary.md"))
        for line in report.headline:  # the last lines: where to look, then what was found
            log.info("headline: %s", line)


def _store_checkpoints(settings: ArtifactsConfig, study: Any) -> None:
    """Keep the best trials' checkpoints (``search.artifacts``); a problem is only logged."""
    from budget_hpo.search.artifacts import store_checkpoints

    if settings.checkpoints_top_k <= 0:
        return
    try:
        store_checkpoints(study, settings)
    except Exception as err:  # never turn a finished phase into a failure
        log.warning("checkpoints not stored: %s", str(err).splitlines()[0] if str(err) else err)

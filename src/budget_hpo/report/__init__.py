"""``budget-hpo-report``: trials.csv, summary.md, scaling.png, history.png and pareto.png of
one or more studies (phase 1 and its phase-2 studies), findings.md with scaling_law.png and
lr_transfer.png (the scaling laws of each phase 1), and datasets.png when several phase-1
studies (datasets) are compared. It only reads, so it works on a running study.

The storage is read once, into a :class:`~budget_hpo.report.snapshot.ReportSnapshot`
(:func:`~budget_hpo.report.snapshot.load_snapshot`); every file is a function of that snapshot
(:func:`render_report`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from budget_hpo.report.datasets import datasets_plot
from budget_hpo.report.findings import findings_markdown
from budget_hpo.report.headline import headline
from budget_hpo.report.law_fits import snapshot_laws
from budget_hpo.report.law_plots import lr_transfer_plot, scaling_law_plot
from budget_hpo.report.plots import history_plot, pareto_plot, scaling_plot
from budget_hpo.report.rescore import rescore_frame, rescore_section
from budget_hpo.report.snapshot import ReportSnapshot, load_snapshot, with_phase2
from budget_hpo.report.studies import trials_frame
from budget_hpo.report.summary import summary_markdown
from budget_hpo.schema import ObjectiveConfig

__all__ = [
    "DEFAULT_STORAGE", "Report", "ReportSnapshot", "load_snapshot", "render_report",
    "with_phase2", "write_report",
]

DEFAULT_STORAGE = "sqlite:///multirun/budget_hpo.db"


@dataclass(frozen=True)
class Report:
    folder: Path
    trials: pd.DataFrame
    files: tuple[Path, ...]
    headline: tuple[str, ...] = ()  # each phase-1 study's headline (report.headline), its lines


def write_report(storage: str, folder: Path, names: Sequence[str] | None = None,
                 rescore: ObjectiveConfig | None = None) -> Report:
    """Write the report for ``names`` (default: every budget-hpo study; globs allowed) into
    ``folder``; with ``rescore``, also every trial re-scored from its saved forecasts."""
    return render_report(load_snapshot(storage, names), folder, rescore)


def render_report(snapshot: ReportSnapshot, folder: Path,
                  rescore: ObjectiveConfig | None = None) -> Report:
    """Write the report of ``snapshot`` into ``folder`` (no storage is read); with ``rescore``,
    also every COMPLETE trial re-scored from its saved forecasts."""
    frame = trials_frame(snapshot)
    folder.mkdir(parents=True, exist_ok=True)
    files: tuple[Path, ...] = (folder / "trials.csv", folder / "summary.md", folder / "scaling.png",
                               folder / "history.png", folder / "pareto.png")
    frame.to_csv(files[0], index=False)
    summary = summary_markdown(snapshot)
    if rescore is not None:
        rescored = rescore_frame(snapshot, rescore)
        files = (*files, folder / "rescored.csv")
        rescored.to_csv(files[-1], index=False)
        summary += "\n".join(["", *rescore_section(rescored, snapshot, rescore)])
    files[1].write_text(summary)
    scaling_plot(snapshot, files[2])
    history_plot(snapshot, files[3])
    pareto_plot(snapshot, files[4])
    found, top = _findings(snapshot, folder)
    files = (*files, *found)
    if len(snapshot.phase1) >= 2:  # several datasets: a line each
        files = (*files, folder / "datasets.png")
        datasets_plot(snapshot, files[-1])
    return Report(folder, frame, files, top)


def _findings(snapshot: ReportSnapshot,
              folder: Path) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """``findings.md``, ``scaling_law.png`` and ``lr_transfer.png`` (the laws fitted once), and
    the headline of each phase-1 study (its dataset's name first where there are several)."""
    files = (folder / "findings.md", folder / "scaling_law.png", folder / "lr_transfer.png")
    laws = snapshot_laws(snapshot)
    files[0].write_text(findings_markdown(snapshot, laws))
    scaling_law_plot(laws, files[1])
    lr_transfer_plot(laws, files[2])
    named = len(laws) >= 2
    top = tuple(f"{f.study.dataset_name}: {line}" if named else line
                for f in laws for line in headline(f))
    return files, top

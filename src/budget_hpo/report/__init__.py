"""``budget-hpo-report``: trials.csv, summary.md, scaling.png, history.png and pareto.png of
one or more studies (phase 1 and its phase-2 studies), and datasets.png when several phase-1
studies (datasets) are compared. It only reads, so it works on a running study."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from budget_hpo.report.datasets import datasets_plot
from budget_hpo.report.plots import history_plot, pareto_plot, scaling_plot
from budget_hpo.report.rescore import rescore_frame, rescore_section
from budget_hpo.report.studies import (
    load_studies,
    parent_of,
    seed_columns,
    trials_frame,
    with_phase2,
)
from budget_hpo.report.summary import summary_markdown
from budget_hpo.schema import ObjectiveConfig

__all__ = ["DEFAULT_STORAGE", "Report", "with_phase2", "write_report"]

DEFAULT_STORAGE = "sqlite:///multirun/budget_hpo.db"


@dataclass(frozen=True)
class Report:
    folder: Path
    trials: pd.DataFrame
    files: tuple[Path, ...]


def write_report(storage: str, folder: Path, names: Sequence[str] | None = None,
                 rescore: ObjectiveConfig | None = None) -> Report:
    """Write the report for ``names`` (default: every budget-hpo study; globs allowed) into
    ``folder``; with ``rescore``, also every trial re-scored from its saved forecasts."""
    studies = load_studies(storage, names)
    frame = seed_columns(trials_frame(studies), studies, storage)
    folder.mkdir(parents=True, exist_ok=True)
    files: tuple[Path, ...] = (folder / "trials.csv", folder / "summary.md", folder / "scaling.png",
                               folder / "history.png", folder / "pareto.png")
    frame.to_csv(files[0], index=False)
    summary = summary_markdown(studies, frame, storage)
    if rescore is not None:
        rescored = rescore_frame(frame, rescore)
        files = (*files, folder / "rescored.csv")
        rescored.to_csv(files[-1], index=False)
        summary += "\n".join(["", *rescore_section(rescored, frame, rescore)])
    files[1].write_text(summary)
    maximize = studies[0].direction.name == "MAXIMIZE"
    scaling_plot(frame, files[2], maximize=maximize)
    history_plot(studies, frame, files[3])
    pareto_plot(frame, files[4], maximize=maximize)
    if sum(parent_of(s) is None for s in studies) >= 2:  # several datasets: a line each
        files = (*files, folder / "datasets.png")
        datasets_plot(studies, frame, files[-1])
    return Report(folder, frame, files)

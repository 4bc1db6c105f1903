"""``budget-hpo-report --rescore objective.threshold=...``: every trial's AUCs and forecast losses
(MSE, MAE) recomputed from its saved forecasts (:mod:`budget_hpo.trial.forecasts`) under another
label threshold or other bootstrap settings, without training. Trials without saved forecasts
(failed, or run before forecasts were saved) are counted and left out; trials whose forecasts
were saved before their steps were kept are re-scored without losses, and counted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from budget_hpo.errors import ConfigError
from budget_hpo.forecast_losses import LOSSES, loss_keys
from budget_hpo.report.cells import with_ci
from budget_hpo.report.snapshot import ReportSnapshot
from budget_hpo.schema import ObjectiveConfig
from budget_hpo.trial.baselines import SPLITS, baseline_names, metric_keys
from budget_hpo.trial.forecasts import rescore
from budget_hpo.trial.scoring import flat_fields

__all__ = ["RESCORE_KEYS", "rescore_frame", "rescore_objective", "rescore_section"]

RESCORE_KEYS = ("objective.threshold", "objective.bootstrap.resamples",
                "objective.bootstrap.block")


def rescore_objective(overrides: Sequence[str]) -> ObjectiveConfig:
    """The package's objective settings with ``overrides`` (``key=value``) on top.

    Raises:
        ConfigError: an override that is not ``key=value`` of :data:`RESCORE_KEYS`, or a value
            of the wrong type.
    """
    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config

    objective = typed_config(compose_config()).objective
    for override in overrides:
        key, sep, raw = override.partition("=")
        if not sep or key not in RESCORE_KEYS:
            raise ConfigError("--rescore", override, "key=value with key one of "
                              + " | ".join(RESCORE_KEYS))
        try:
            if key == "objective.threshold":
                objective = replace(objective, threshold=float(raw))
            else:
                name = key.rsplit(".", 1)[1]
                objective = replace(objective, bootstrap=replace(objective.bootstrap,
                                                                 **{name: int(raw)}))
        except ValueError:
            raise ConfigError(key, raw, "a number" if key.endswith("threshold") else
                              "an integer") from None
    return objective


def rescore_frame(snapshot: ReportSnapshot, objective: ObjectiveConfig) -> pd.DataFrame:
    """One row per COMPLETE trial of ``snapshot`` with saved forecasts: its identity, re-scored
    AUCs and losses (NaN when its file has no steps)."""
    rows: list[dict[str, Any]] = []
    for study in snapshot.studies:
        for trial in study.complete:
            path = trial.record.forecasts
            if not isinstance(path, str) or not Path(path).is_file():
                continue
            seed = trial.record.seed or 0
            metrics = rescore(Path(path), objective.threshold, objective.bootstrap, seed)
            rows.append({"study": study.name, "dataset": study.dataset_name,
                         "number": trial.number, "budget": trial.params.get("budget"),
                         "style": trial.params.get("style"), "threshold": objective.threshold,
                         **flat_fields("val", metrics["val"]),
                         **flat_fields("test", metrics["test"])})
    return pd.DataFrame(rows)


def rescore_section(rescored: pd.DataFrame, snapshot: ReportSnapshot,
                    objective: ObjectiveConfig) -> list[str]:
    """The summary's section: the best re-scored trial of each study's budget × style."""
    complete = sum(len(study.complete) for study in snapshot.studies)
    lines = [f"## Re-scored at objective.threshold={objective.threshold:g}", "",
             f"From the saved forecasts of {len(rescored)} of {complete} complete trials "
             f"(no training; bootstrap {objective.bootstrap.resamples} resamples, blocks of "
             f"{objective.bootstrap.block}){_without_losses(rescored)}. "
             "Every trial: `rescored.csv`.", ""]
    if rescored.empty:
        return lines
    names = tuple(reversed(baseline_names()))  # the most demanding first, as in the verdicts
    lines += ["| study | budget | style | trial | val AUC [95% CI] | test AUC | "
              + " | ".join(f"val {loss.upper()}" for loss in LOSSES) + " | "
              + " | ".join(f"val − {n} [95% CI]" for n in names) + " |",
              "|---" * (6 + len(LOSSES) + len(names)) + "|"]
    for (study, budget, style), group in rescored.groupby(["study", "budget", "style"]):
        r = group.loc[group["val_auc"].idxmax()]
        losses = " | ".join(with_ci(r, loss_keys(loss, "val").value) for loss in LOSSES)
        gaps = " | ".join(with_ci(r, metric_keys(n, "val").gap, "+") for n in names)
        lines.append(f"| {study} | {budget} | {style} | {int(r['number'])} | "
                     f"{with_ci(r, 'val_auc')} | {r['test_auc']:.4f} | {losses} | {gaps} |")
    return [*lines, ""]


def _without_losses(rescored: pd.DataFrame) -> str:
    """``; 2 without MSE, MAE (...)``: the trials whose forecasts were saved without their
    steps, so without losses."""
    if rescored.empty:
        return ""
    keys = [loss_keys(loss, split).value for split in SPLITS for loss in LOSSES]
    missing = int(rescored[keys].isna().all(axis=1).sum())
    names = ", ".join(loss.upper() for loss in LOSSES)
    return (f"; {missing} without {names} (forecasts saved before their steps were kept)"
            if missing else "")

"""Across datasets: several phase-1 studies (one per dataset) compared side by side.

Per dataset: the winning budget × style (by fresh-seed mean where the study has seed
replicates, else by the best value: the ranking phase 2 uses), its validation and test AUC with
their 95% intervals, and its gaps to every registered baseline with their verdicts. Then whether
the winners agree across datasets, counting only the winners separable from their runner-up
(:mod:`budget_hpo.report.separability`), and ``datasets.png``: per dataset, the best objective
of each budget against exact parameters, one line per dataset, its linear baseline dotted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.dataset_names import DEFAULT_FAMILY
from budget_hpo.natural_sort import natural_key
from budget_hpo.records import ModelRecord
from budget_hpo.report.best_configs import KEYS, study_configs
from budget_hpo.report.cells import num, ranked_value, replicated, with_ci
from budget_hpo.report.separability import SEPARABLE_SDS, Separation, separation
from budget_hpo.report.snapshot import ReportSnapshot
from budget_hpo.report.studies import trials_frame
from budget_hpo.search.replicates import NO_FRESH, fresh_text
from budget_hpo.trial.baselines import baseline_names, metric_keys
from budget_hpo.trial.bootstrap import verdict

__all__ = ["agreement_lines", "dataset_winners", "datasets_plot", "datasets_section"]


def dataset_winners(snapshot: ReportSnapshot) -> pd.DataFrame:
    """One row per phase-1 study: dataset, study, the winning trial's budget, style, ranked value
    and its AUCs, intervals and baseline gaps (columns as in ``trials.csv``)."""
    frame = trials_frame(snapshot)
    rows: list[dict[str, Any]] = []
    for study in snapshot.phase1:
        done = frame[(frame["study"] == study.name) & (frame["state"] == "COMPLETE")]
        ranked = ranked_value(done, ["params_budget"]).dropna()
        if ranked.empty:
            rows.append({"dataset": study.dataset_name, "study": study.name})
            continue
        best = done.loc[ranked.idxmax() if study.maximize else ranked.idxmin()]
        rows.append({**best.to_dict(), "dataset": study.dataset_name, "study": study.name,
                     "family": _family(study.model, best.get("model")),
                     "maximize": study.maximize, "ranked_value": float(ranked[best.name])})
    return pd.DataFrame(rows)


def _gap(row: Any, name: str) -> str:
    keys = metric_keys(name, "val")
    low, high = num(row.get(keys.gap_low)), num(row.get(keys.gap_high))
    text = with_ci(row, keys.gap, "+")
    return text if np.isnan(low) else f"{text}: {verdict(low, high)}"


def _agreement(separations: list[tuple[str, Separation]], label: str) -> str:
    """Whether the datasets' winners by one key agree, counting only the winners separable from
    their runner-up; the others are named as not separable."""
    counted = [(d, s.winner.key(s.by)) for d, s in separations if s.separable]
    apart = ", ".join(f"{d}{_why_not(s)}" for d, s in separations if not s.separable)
    rest = f"; not separable on {apart}" if apart else ""
    if len(counted) < 2:
        return (f"- {label}: {len(counted)} dataset{'s' if len(counted) != 1 else ''} with a "
                f"winner separable from its runner-up; nothing to compare{rest}.")
    values = sorted({v for _, v in counted}, key=natural_key)
    if len(values) == 1:
        return (f"- {label}: **{values[0]}** wins on all {len(counted)} datasets where the "
                f"winner is separable (they agree){rest}.")
    each = ", ".join(f"{d} → {v}" for d, v in counted)
    return f"- {label}: the datasets **disagree** ({each}){rest}."


def _why_not(found: Separation) -> str:
    if found.runner_up is None:
        return f" (one {found.by} searched)"
    return " (no seed SD)" if found.separable is None else ""


def agreement_lines(snapshot: ReportSnapshot) -> list[str]:
    """Per key (budget, style, budget × style): do the phase-1 studies' winners agree? A winner
    counts only where it is separable from its runner-up
    (:class:`~budget_hpo.report.separability.Separation`)."""
    lines = []
    for by, label in zip(KEYS, ("Budget", "Style", "Budget × style"), strict=True):
        found = [(study.dataset_name, separation(study_configs(study), by, study.maximize))
                 for study in snapshot.phase1]
        lines.append(_agreement([(d, s) for d, s in found if s is not None], label))
    return lines


def _family(recorded: ModelRecord | None, trial_model: Any) -> str:
    """The family a study searched: recorded on it, else its winner's model (a study from
    before families were recorded), else the seed's."""
    if recorded is not None:
        return recorded.name
    return str(trial_model) if isinstance(trial_model, str) and trial_model else DEFAULT_FAMILY


def _families(winners: pd.DataFrame) -> list[str]:
    """Per dataset searched with several model families: the families, best first, each its
    winner's ranked value and validation AUC interval."""
    if "family" not in winners:
        return []
    lines = []
    for dataset, group in winners.dropna(subset=["ranked_value", "family"]).groupby("dataset"):
        if group["family"].nunique() < 2:
            continue
        order = group.sort_values("ranked_value", ascending=not bool(group["maximize"].iloc[0]))
        each = ", ".join(f"{r['family']} {r['ranked_value']:.4f} (val AUC {with_ci(r, 'val_auc')})"
                         for _, r in order.iterrows())
        lines.append(f"- Families on {dataset}, best first: {each}.")
    return lines


def datasets_section(snapshot: ReportSnapshot) -> list[str]:
    """The summary's cross-dataset section (empty with fewer than two phase-1 studies)."""
    winners = dataset_winners(snapshot)
    if len(winners) < 2:
        return []
    names = tuple(reversed(baseline_names()))  # the most demanding first, as in the verdicts
    lines = ["## Across datasets", "",
             "| dataset | study | winner (budget × style) | ranked by | val AUC [95% CI] | "
             "test AUC [95% CI] | " + " | ".join(f"val − {n}" for n in names) + " |",
             "|---" * (6 + len(names)) + "|"]
    for _, r in winners.iterrows():
        if pd.isna(r.get("params_budget")):
            lines.append(f"| {r['dataset']} | {r['study']} | no complete trial | – | – | – | "
                         + " | ".join("–" for _ in names) + " |")
            continue
        ranked = f"trial {int(r['number'])}: " + (
            fresh_text(r["ranked_value"], num(r.get("seed_sd")), int(num(r.get("seed_n"))),
                       num(r["value"])) if replicated(r.get("seed_n")) else NO_FRESH)
        lines.append(f"| {r['dataset']} | {r['study']} | {r['params_budget']} × "
                     f"{r['params_style']} | {ranked} | {with_ci(r, 'val_auc')} | "
                     f"{with_ci(r, 'test_auc')} | "
                     + " | ".join(_gap(r, n) for n in names) + " |")
    return [*lines, "", "Do the winners agree? A winner counts only where it is separable "
            "from its runner-up (the best config of another budget, style or both: "
            f"their gap exceeds {SEPARABLE_SDS:g} × the pooled seed SD).", "",
            *agreement_lines(snapshot), *_families(winners), "",
            "Gaps are the paired 95% block-bootstrap intervals of (model − baseline) on the "
            "validation origins; `datasets.png` plots each dataset's best per budget.", ""]


def datasets_plot(snapshot: ReportSnapshot, path: Path) -> None:
    """Best objective per budget against exact parameters, one line per phase-1 study."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    frame = trials_frame(snapshot)
    for i, study in enumerate(snapshot.phase1):
        color = colors[i % len(colors)]
        maximize = study.maximize
        done = frame[(frame["study"] == study.name) & (frame["state"] == "COMPLETE")]
        done = done.assign(rank=ranked_value(done, ["params_budget"]))
        done = done.dropna(subset=["rank", "params_exact"])
        if done.empty:
            continue
        best = done.loc[done.groupby("params_budget")["rank"].idxmax() if maximize
                        else done.groupby("params_budget")["rank"].idxmin()]
        best = best.sort_values("params_exact")
        sd, low, high = (pd.to_numeric(best[c]) if c in best else pd.Series(np.nan, best.index)
                         for c in ("seed_sd", "val_auc_low", "val_auc_high"))
        err = np.vstack([sd.where(sd.notna(), best["rank"] - low),
                         sd.where(sd.notna(), high - best["rank"])]).astype(float)
        ax.errorbar(best["params_exact"], best["rank"], yerr=np.nan_to_num(err, nan=0.0),
                    marker="o", color=color, capsize=3, label=study.dataset_name)
        for _, row in best.iterrows():
            ax.annotate(str(row["params_budget"]), (row["params_exact"], row["rank"]),
                        textcoords="offset points", xytext=(4, 4), fontsize=7, color=color)
        linear = pd.to_numeric(done.get(metric_keys("linear", "val").auc)).median()
        if maximize and not pd.isna(linear):
            ax.axhline(linear, color=color, ls=":", lw=1,
                       label=f"{study.dataset_name}: linear baseline {linear:.3f}")
    ax.set_xscale("log")
    ax.set_xlabel("exact parameter count")
    ax.set_ylabel("best validation objective")
    ax.set_title("Best per budget, one line per dataset (bars: seed SD where replicated, else "
                 "95% interval)", fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

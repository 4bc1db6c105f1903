"""The report's figures: best objective against exact parameters (with its interval and the
baselines as bands), objective by trial (with the baselines), and the budget-aware Pareto view.

The bands and error bars are 95% block-bootstrap intervals over the evaluation origins (see
:mod:`budget_hpo.trial.bootstrap`); they apply when the objective is the validation AUC.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.report.cells import col, num, ranked_value, replicated
from budget_hpo.report.snapshot import ReportSnapshot
from budget_hpo.report.studies import trials_frame
from budget_hpo.trial.baselines import baselines, metric_keys

__all__ = ["STYLE_COLORS", "baseline_bands", "history_plot", "pareto_plot", "scaling_plot"]

STYLE_COLORS = {"shallow": "tab:blue", "deep": "tab:orange"}  # every figure's colour of a style


def baseline_bands(ax: Any, frame: pd.DataFrame, split: str = "val", bands: bool = True
                   ) -> list[float]:
    """Every registered baseline's AUC as a horizontal band (its 95% interval; ``bands=False``:
    none, where a figure's own bands would be confused with them) and line, in its registered
    colour. Every trial of a study scores them on the same origins, so the median is their
    value. Returns the values drawn."""
    drawn = []
    for baseline in baselines():
        keys = metric_keys(baseline.name, split)
        value, low, high = (pd.to_numeric(col(frame, key)).median()
                            for key in (keys.auc, keys.auc_low, keys.auc_high))
        if pd.isna(value):
            continue
        ax.axhline(value, color=baseline.color, lw=1.2, ls=":",
                   label=f"{baseline.name} baseline {value:.3f}")
        drawn.append(float(value))
        if bands and not (pd.isna(low) or pd.isna(high)):
            ax.axhspan(low, high, color=baseline.color, alpha=0.12, lw=0)
    return drawn


def _scaling_points(done: pd.DataFrame, maximize: bool) -> list[tuple[Any, ...]]:
    """(kind, style, params, value, (err below, err above), replicated) of the best config of
    each (phase, style, budget): by its fresh-seed mean where the group has replicated configs
    (the ranking phase 2 uses), with ±1 seed SD; else by its value, with its 95% interval."""
    points = []
    done = done.assign(rank=ranked_value(done, ["kind", "style", "budget"]))
    for (kind, style, _budget), group in done.dropna(subset=["rank"]).groupby(
            ["kind", "style", "budget"]):
        best = group.loc[group["rank"].idxmax() if maximize else group["rank"].idxmin()]
        value, fresh = float(best["rank"]), replicated(best.get("seed_n"))
        if fresh:
            err = (float(best["seed_sd"]),) * 2
        elif maximize:
            err = (value - num(best.get("val_auc_low")), num(best.get("val_auc_high")) - value)
        else:
            err = (np.nan, np.nan)
        points.append((kind, style, float(best["params_exact"]), value, err, fresh))
    return points


def _maximize(snapshot: ReportSnapshot) -> bool:
    """The direction the figures draw: the first study's."""
    return bool(snapshot.studies) and snapshot.studies[0].maximize


def scaling_plot(snapshot: ReportSnapshot, path: Path) -> None:
    """Best objective per (phase, budget, style) against exact parameter count: error bars from
    seed replicates (thick) or the origin bootstrap (thin), baselines as bands. Trends are the
    fitted laws of ``scaling_law.png`` (:mod:`budget_hpo.report.law_plots`), drawn there only."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    maximize = _maximize(snapshot)
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    frame = trials_frame(snapshot)
    done = frame[frame["state"] == "COMPLETE"].copy()
    done["budget"] = col(done, "params_budget").fillna(col(done, "budget"))
    done["style"] = col(done, "params_style").fillna(col(done, "style"))
    phase2 = done["phase"].astype(str).str.startswith("phase2")
    done["kind"] = np.where(phase2, "phase 2", "phase 1")
    done = done.dropna(subset=["params_exact"])
    points = _scaling_points(done, maximize)
    for kind, marker in (("phase 1", "o"), ("phase 2", "*")):
        for style, color in STYLE_COLORS.items():
            mine = [p for p in points if p[0] == kind and p[1] == style]
            if not mine:
                continue
            for thick, width in ((True, 2.2), (False, 0.9)):
                bars = [p for p in mine if p[5] is thick and np.isfinite(p[4]).all()]
                if bars:
                    ax.errorbar([p[2] for p in bars], [p[3] for p in bars],
                                yerr=np.array([p[4] for p in bars], dtype=float).T, fmt="none",
                                ecolor=color, elinewidth=width, capsize=6 if thick else 2,
                                alpha=0.8, zorder=4 if thick else 2)  # seed bars over
            ax.scatter([p[2] for p in mine], [p[3] for p in mine], marker=marker,
                       s=90 if marker == "*" else 45, color=color, label=f"{style}, {kind}",
                       zorder=3)
    if maximize:
        baseline_bands(ax, done)
    ax.set_xscale("log")
    ax.set_xlabel("exact parameter count")
    ax.set_ylabel("best validation objective")
    ax.set_title("Best config by budget and style: fresh-seed mean ± SD where replicated "
                 "(thick),\nelse its value with the 95% origin-bootstrap interval (thin); "
                 "bands: baselines",
                 fontsize=9)
    ax.grid(True, which="both", alpha=0.3)
    if points:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def history_plot(snapshot: ReportSnapshot, path: Path) -> None:
    """Objective by trial number per study; forced trials and the early stop marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    studies, frame = snapshot.studies, trials_frame(snapshot)
    fig, axes = plt.subplots(len(studies), 1, figsize=(8, 3.2 * len(studies)), dpi=110,
                             squeeze=False)
    for ax, study in zip(axes[:, 0], studies, strict=True):
        sub = frame[(frame["study"] == study.name) & (frame["state"] == "COMPLETE")]
        forced = col(sub, "forced").fillna(False).astype(bool)
        ax.scatter(sub.loc[~forced, "number"], sub.loc[~forced, "value"], s=18, label="TPE")
        ax.scatter(sub.loc[forced, "number"], sub.loc[forced, "value"], s=28, marker="s",
                   color="tab:red", label="forced")
        if len(sub):
            best = sub.sort_values("number")["value"]
            running = best.cummax() if study.maximize else best.cummin()
            ax.step(sub.sort_values("number")["number"], running, where="post", color="k",
                    lw=1, label="best so far")
        if study.maximize:
            baseline_bands(ax, sub)
        stop = study.early_stop
        if stop is not None:
            ax.axvline(stop.n_trials - 0.5, color="tab:green", ls="--",
                       label=f"early stop ({stop.n_complete} complete)")
        ax.set_title(study.name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("trial")
        ax.set_ylabel("objective")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _front(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Indices of the Pareto front: no other point is cheaper (x) and at least as good (y)."""
    order = np.lexsort((-ys, xs))
    front, best = [], -np.inf
    for i in order:
        if ys[i] > best:
            front.append(i)
            best = ys[i]
    return np.array(front, dtype=int)


def pareto_plot(snapshot: ReportSnapshot, path: Path) -> None:
    """Validation objective of every COMPLETE trial against its exact parameters and its
    training time, by budget, with the Pareto front (cheaper and better) marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    maximize, frame = _maximize(snapshot), trials_frame(snapshot)
    done = frame[frame["state"] == "COMPLETE"].dropna(subset=["params_exact", "value"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), dpi=110, sharey=True)
    sign = 1.0 if maximize else -1.0
    budgets = col(done, "params_budget").fillna(col(done, "budget")).astype(str)
    for ax, (key, label) in zip(axes, (("params_exact", "exact parameter count"),
                                       ("train_time_s", "training time per trial (s)")),
                                strict=True):
        sub = done.dropna(subset=[key])
        for budget in sorted(set(budgets[sub.index])):
            rows = sub[budgets[sub.index] == budget]
            ax.scatter(rows[key], rows["value"], s=18, alpha=0.7, label=budget)
        if len(sub):
            xs, ys = sub[key].to_numpy(float), sub["value"].to_numpy(float)
            idx = _front(xs, sign * ys)
            ax.step(xs[idx], ys[idx], where="post", color="k", lw=1.2, label="Pareto front")
            ax.scatter(xs[idx], ys[idx], s=40, facecolors="none", edgecolors="k", zorder=3)
        if maximize:
            baseline_bands(ax, done)
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("validation objective")
    axes[0].legend(fontsize=7)
    fig.suptitle("Budget-aware Pareto view: cheaper and better is up and left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

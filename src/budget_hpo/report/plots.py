"""The report's figures: best objective against exact parameters, and objective by trial."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.search.study import early_stop_of

__all__ = ["history_plot", "scaling_plot"]


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series([np.nan] * len(frame), index=frame.index)


def scaling_plot(frame: pd.DataFrame, path: Path, maximize: bool) -> None:
    """Best objective per (phase, budget, style) against exact parameter count, with a trend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    done = frame[frame["state"] == "COMPLETE"].copy()
    done["budget"] = _col(done, "params_budget").fillna(_col(done, "budget"))
    done["style"] = _col(done, "params_style").fillna(_col(done, "style"))
    phase2 = done["phase"].astype(str).str.startswith("phase2")
    done["kind"] = np.where(phase2, "phase 2", "phase 1")
    done = done.dropna(subset=["params_exact"])
    points = []
    for (kind, style, _budget), group in done.groupby(["kind", "style", "budget"]):
        best = group.loc[group["value"].idxmax() if maximize else group["value"].idxmin()]
        points.append((kind, style, float(best["params_exact"]), float(best["value"])))
    colors = {"shallow": "tab:blue", "deep": "tab:orange"}
    for kind, marker in (("phase 1", "o"), ("phase 2", "*")):
        for style, color in colors.items():
            xs = [p[2] for p in points if p[0] == kind and p[1] == style]
            ys = [p[3] for p in points if p[0] == kind and p[1] == style]
            if xs:
                ax.scatter(xs, ys, marker=marker, s=90 if marker == "*" else 45, color=color,
                           label=f"{style}, {kind}", zorder=3)
    trend = [(p[2], p[3]) for p in points if p[0] == "phase 1"]
    if len({x for x, _ in trend}) >= 2:
        lx = np.log10([x for x, _ in trend])
        slope, intercept = np.polyfit(lx, [y for _, y in trend], 1)
        grid = np.linspace(lx.min(), lx.max(), 50)
        ax.plot(10**grid, slope * grid + intercept, "k--", lw=1,
                label=f"trend: {slope:+.4f} per 10× params")
    ax.set_xscale("log")
    ax.set_xlabel("exact parameter count")
    ax.set_ylabel("best validation objective")
    ax.set_title("Best objective by budget and style")
    ax.grid(True, which="both", alpha=0.3)
    if points:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def history_plot(studies: Sequence[Any], frame: pd.DataFrame, path: Path) -> None:
    """Objective by trial number per study; forced trials and the early stop marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(len(studies), 1, figsize=(8, 3.2 * len(studies)), dpi=110,
                             squeeze=False)
    for ax, study in zip(axes[:, 0], studies, strict=True):
        sub = frame[(frame["study"] == study.study_name) & (frame["state"] == "COMPLETE")]
        forced = _col(sub, "forced").fillna(False).astype(bool)
        ax.scatter(sub.loc[~forced, "number"], sub.loc[~forced, "value"], s=18, label="TPE")
        ax.scatter(sub.loc[forced, "number"], sub.loc[forced, "value"], s=28, marker="s",
                   color="tab:red", label="forced")
        if len(sub):
            best = sub.sort_values("number")["value"]
            running = best.cummax() if study.direction.name == "MAXIMIZE" else best.cummin()
            ax.step(sub.sort_values("number")["number"], running, where="post", color="k",
                    lw=1, label="best so far")
        stop = early_stop_of(study)
        if stop is not None:
            ax.axvline(stop.n_trials - 0.5, color="tab:green", ls="--",
                       label=f"early stop ({stop.n_complete} complete)")
        ax.set_title(study.study_name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("trial")
        ax.set_ylabel("objective")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

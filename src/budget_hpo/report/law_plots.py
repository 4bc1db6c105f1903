"""The findings' figures, drawn from the fits ``findings.md`` prints
(:mod:`budget_hpo.report.law_fits`).

- ``scaling_law.png``: a panel per dataset (row) and recorded metric (column): each budget ×
  style's best config at its exact size, its fresh seeds as dots and its mean with the 95%
  interval of the tables; a ring on each budget's winner; the law of the styles pooled (black,
  its 95% band) and of each style (dotted); the largest budget held out, the refit without it
  (dashed) and its prediction interval there (grey bar); the baselines' AUCs as lines. The
  y range is that of the values and intervals drawn: a band wider than them is cut.
- ``lr_transfer.png``: a panel per dataset: each budget's top learning rates (its best trial's
  filled), the learning-rate law with its band up to the next budget up, its prediction there
  (a star with its interval), and each phase-2 study's best learning rate at its budget (a
  cross, labelled inside or outside the law's interval).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.laws import LrLaw, ScalingLaw
from budget_hpo.report.law_fits import POOLED, LawFit, StudyLaws
from budget_hpo.report.law_points import LAW_METRICS, LawMetric
from budget_hpo.report.plots import STYLE_COLORS, baseline_bands

__all__ = ["lr_transfer_plot", "scaling_law_plot"]


def _color(group: str, styles: Sequence[str]) -> str:
    if group == POOLED:
        return "black"
    spare = ["tab:green", "tab:purple", "tab:brown", "tab:pink"]
    return STYLE_COLORS.get(group, spare[list(styles).index(group) % len(spare)])


def _band(ax: Any, law: ScalingLaw | LrLaw, sizes: np.ndarray, color: str, label: str) -> None:
    """The law over ``sizes`` with its 95% band."""
    pred = [law.predict(float(n)) for n in sizes]
    ax.plot(sizes, [p.value for p in pred], color=color, lw=1.4, label=label, zorder=2)
    ax.fill_between(sizes, [p.low for p in pred], [p.high for p in pred], color=color,
                    alpha=0.15, lw=0, zorder=1, label="its 95% band")


def _limits(ax: Any, shown: list[float]) -> None:
    """The y range of what was measured and predicted (a wide band is cut, not followed)."""
    finite = [v for v in shown if np.isfinite(v)]
    if finite:
        low, high = min(finite), max(finite)
        pad = 0.08 * (high - low) or 0.05 * abs(high) or 0.05
        ax.set_ylim(low - pad, high + pad)


def _points(ax: Any, laws: StudyLaws, fits: Sequence[LawFit], metric: LawMetric
            ) -> list[float]:
    """Each budget × style's best config: its seeds, its mean and interval, a ring on winners.
    Returns the values drawn."""
    means = laws.means(metric.key)
    winners = {c.trial.number for c in laws.best}
    shown: list[float] = []
    for fit in fits[1:]:  # the styles; the pooled points are their winners
        color = _color(fit.group, laws.styles)
        for config, seeds in fit.points:
            ax.scatter([seeds.n_params] * len(seeds.values), [v.value for v in seeds.values],
                       s=10, color=color, alpha=0.35, lw=0, zorder=3)
            mean = means[config.trial.number]
            if mean is None:
                continue
            shown += [v.value for v in seeds.values] + [mean.low, mean.high]
            err = np.array([[mean.value - mean.low], [mean.high - mean.value]])
            ax.errorbar([seeds.n_params], [mean.value], yerr=np.nan_to_num(err), fmt="o",
                        color=color, ms=5, capsize=3, zorder=4)
            if config.trial.number in winners:
                ax.scatter([seeds.n_params], [mean.value], s=140, facecolors="none",
                           edgecolors="black", lw=1.2, zorder=5)
    ax.scatter([], [], s=140, facecolors="none", edgecolors="black", label="its budget's winner")
    return shown


def _held_out(ax: Any, fit: LawFit) -> list[float]:
    """The refit without the largest budget and its prediction interval there; returns the
    interval's bounds."""
    check = fit.check
    if check is None or check.law is None or check.predicted is None or check.n_params is None:
        return []
    sizes = [s.n_params for s in fit.seeds]
    grid = np.geomspace(min(sizes), check.n_params, 60)
    ax.plot(grid, [check.law.curve.at(float(n)) for n in grid], color="grey", ls="--", lw=1.2,
            label=f"refit without {fit.points[-1][0].budget}", zorder=2)
    p, held = check.predicted, fit.points[-1][0].budget
    ax.errorbar([check.n_params * 1.12], [p.value], yerr=[[p.value - p.low], [p.high - p.value]],
                fmt="D", color="grey", ms=5, capsize=4, elinewidth=2.5, zorder=4,
                label=f"its prediction at {held} [95%]: measured {check.outcome}")
    return [p.low, p.high]


def _panel(ax: Any, laws: StudyLaws, metric: LawMetric) -> None:
    fits = [f for f in laws.laws if f.metric == metric]
    ax.set_title(f"{laws.study.dataset_name}: {metric.label}", fontsize=9)
    if not fits[0].points:
        ax.text(0.5, 0.5, fits[0].why, ha="center", va="center", transform=ax.transAxes,
                fontsize=8)
        return
    shown = _points(ax, laws, fits, metric)
    for fit in fits:
        if fit.law is None:
            continue
        grid = np.geomspace(min(fit_sizes := [s.n_params for s in fit.seeds]), max(fit_sizes),
                            60)
        if fit.group == POOLED:
            _band(ax, fit.law, grid, "black", f"styles pooled: {fit.law.verdict}")
        else:
            ax.plot(grid, [fit.law.curve.at(float(n)) for n in grid], ls=":", lw=1.4,
                    color=_color(fit.group, laws.styles),
                    label=f"{fit.group}: {fit.law.verdict}")
    shown += _held_out(ax, fits[0])
    if metric.maximize:  # the baselines' AUCs as lines: their bands would read as the law's
        shown += baseline_bands(ax, pd.DataFrame([t.record.to_row() for t in laws.study.complete]),
                                bands=False)
    _limits(ax, shown)
    ax.set_xscale("log")
    ax.set_xlabel("exact parameter count")
    ax.set_ylabel(f"{metric.label} (fresh-seed mean, 95%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3)


def scaling_law_plot(all_laws: Sequence[StudyLaws], path: Path) -> None:
    """``scaling_law.png`` (the module's docstring says what it draws)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = [m for m in LAW_METRICS
               if any(f.points for laws in all_laws for f in laws.laws if f.metric == m)]
    metrics = metrics or list(LAW_METRICS[:1])
    rows = max(1, len(all_laws))
    fig, axes = plt.subplots(rows, len(metrics), figsize=(6 * len(metrics), 5.6 * rows),
                             dpi=110, squeeze=False)
    for row, laws in enumerate(all_laws):
        for col, metric in enumerate(metrics):
            _panel(axes[row, col], laws, metric)
    if not all_laws:
        axes[0, 0].text(0.5, 0.5, "no phase-1 study", ha="center", va="center")
    fig.suptitle("Scaling laws: best config per budget × style (dots: fresh seeds; bars: 95%), "
                 "ringed: its budget's winner", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _lr_panel(ax: Any, laws: StudyLaws) -> None:
    lr = laws.lr
    ax.set_title(f"{laws.study.dataset_name}: learning rate against size", fontsize=9)
    if lr.law is None or lr.next_up is None:
        ax.text(0.5, 0.5, f"no learning-rate law: {lr.why}", ha="center", va="center",
                transform=ax.transAxes, fontsize=8)
        return
    for budget, top in lr.points:
        ax.scatter([top.n_params] * (len(top.lrs) - 1), top.lrs[1:], s=30,
                   facecolors="none", edgecolors="grey", zorder=3)
        ax.scatter([top.n_params], [top.lrs[0]], s=40, color="black", zorder=4)
        ax.annotate(budget, (top.n_params, top.lrs[0]), textcoords="offset points",
                    xytext=(5, 5), fontsize=7)
    sizes = [b.n_params for _, b in lr.points]
    slope = lr.law.law.slope
    _band(ax, lr.law.law, np.geomspace(min(sizes), lr.next_up, 60), "tab:blue",
          f"law: slope {slope.value:+.3g} [{slope.low:+.3g}, {slope.high:+.3g}]")
    p = lr.law.predict(lr.next_up)
    ax.errorbar([lr.next_up], [p.value], yerr=[[p.value - p.low], [p.high - p.value]], fmt="*",
                color="tab:red", ms=12, capsize=4,
                label=f"next up, {lr.next_up:,}: {p.value:.3g} [{p.low:.3g}, {p.high:.3g}]")
    ax.scatter([], [], s=40, color="black", label="each budget's best trial's lr")
    ax.scatter([], [], s=30, facecolors="none", edgecolors="grey", label="its next best two")
    for check in lr.phase2:  # the outcome in the legend: beside the points it would cover them
        ax.scatter([check.n_params], [check.lr], marker="X", s=70, color="tab:green", zorder=5,
                   label=f"phase 2 {check.budget}'s best lr {check.lr:.3g}: {check.outcome}")
        ax.annotate(check.budget, (check.n_params, check.lr), textcoords="offset points",
                    xytext=(6, -10), fontsize=7, color="tab:green")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("exact parameter count")
    ax.set_ylabel("learning rate")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)


def lr_transfer_plot(all_laws: Sequence[StudyLaws], path: Path) -> None:
    """``lr_transfer.png`` (the module's docstring says what it draws)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, max(1, len(all_laws)), figsize=(6.5 * max(1, len(all_laws)), 5.6),
                             dpi=110, squeeze=False)
    for ax, laws in zip(axes[0], all_laws, strict=False):
        _lr_panel(ax, laws)
    if not all_laws:
        axes[0, 0].text(0.5, 0.5, "no phase-1 study", ha="center", va="center")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)

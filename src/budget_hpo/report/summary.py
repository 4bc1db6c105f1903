"""``budget-hpo-report``: what a researcher looks at after (or during) a search.

Reads one or more studies (phase 1 and its phase-2 studies) and writes into one folder:
``trials.csv`` (every trial: parameters, user attributes, state), ``summary.md`` (best per budget ×
style, convergence, phase-2 bests beside phase 1, baselines, parameter importances),
``scaling.png`` (best objective against exact parameter count) and ``history.png`` (objective by
trial, forced trials and the early stop marked). It only reads, so it works on a running study.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.errors import ConfigError

__all__ = ["DEFAULT_STORAGE", "Report", "main", "write_report"]

DEFAULT_STORAGE = "sqlite:///multirun/budget_hpo.db"
PREFIX = "budget-hpo-"


@dataclass(frozen=True)
class Report:
    folder: Path
    trials: pd.DataFrame
    files: tuple[Path, ...]


def _phase(study_name: str) -> str:
    return study_name[len(PREFIX):] if study_name.startswith(PREFIX) else study_name


def load_studies(storage: str, names: Sequence[str] | None = None) -> list[Any]:
    """The named studies, or every ``budget-hpo-*`` study in ``storage`` (phase 1 first)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if not names:
        names = sorted(
            (s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)
             if s.study_name.startswith(PREFIX)),
            key=lambda n: (not _phase(n).startswith("phase1"), n),
        )
    if not names:
        raise ConfigError("--storage", storage, "a storage holding budget-hpo-* studies")
    known = {s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)}
    for name in names:
        if name not in known:
            raise ConfigError("--study", name, " | ".join(sorted(known)) or "(no studies)")
    return [optuna.load_study(study_name=n, storage=storage) for n in names]


def with_phase2(storage: str, study_name: str) -> list[str]:
    """A phase-1 study and the phase-2 studies in the same storage."""
    import optuna

    names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
    return [study_name, *sorted(n for n in names if n.startswith(f"{PREFIX}phase2_"))]


def trials_frame(studies: Sequence[Any]) -> pd.DataFrame:
    """One row per trial of every study, with ``study`` and ``phase`` columns first."""
    frames = []
    for study in studies:
        frame = study.trials_dataframe(
            attrs=("number", "value", "state", "params", "user_attrs", "datetime_start",
                   "datetime_complete", "duration")
        )
        frame.insert(0, "phase", _phase(study.study_name))
        frame.insert(0, "study", study.study_name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True, sort=False)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series([np.nan] * len(frame), index=frame.index)


def best_per_group(frame: pd.DataFrame, keys: list[str], maximize: bool) -> pd.DataFrame:
    """The best COMPLETE trial of each group, with run/failed counts of the group."""
    from budget_hpo.configs import natural_key

    rows = []
    groups = sorted(frame.groupby(keys, dropna=False),
                    key=lambda kg: tuple(natural_key(str(k)) for k in
                                         (kg[0] if isinstance(kg[0], tuple) else (kg[0],))))
    for key, group in groups:
        done = group[group["state"] == "COMPLETE"]
        counts = {"trials": len(group), "failed": int((group["state"] == "FAIL").sum())}
        if done.empty:
            rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))), **counts})
            continue
        best = done.loc[done["value"].idxmax() if maximize else done["value"].idxmin()]
        rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,))), **counts,
                     "value": best["value"], "number": int(best["number"]),
                     "test_auc": best.get("user_attrs_test_auc", np.nan),
                     "val_auc": best.get("user_attrs_val_auc", np.nan),
                     "params_exact": best.get("user_attrs_params_exact", np.nan),
                     "d_model": best.get("user_attrs_d_model", np.nan),
                     "n_layers": best.get("user_attrs_n_layers", np.nan),
                     "n_heads": best.get("user_attrs_n_heads", np.nan)})
    return pd.DataFrame(rows)


def _fmt(x: Any, spec: str = ".4f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, (int, np.integer)) or (isinstance(x, float) and spec == ","):
        return f"{int(x):,}"
    return format(x, spec)


def _importances(study: Any) -> list[tuple[str, float]] | str:
    import optuna

    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE"]
    if len(complete) < 3:
        return f"n/a ({len(complete)} complete trials; need 3)"
    try:
        return list(optuna.importance.get_param_importances(study).items())
    except Exception as err:  # e.g. a parameter that never varied
        return f"n/a ({str(err).splitlines()[0]})"


def summary_markdown(studies: Sequence[Any], frame: pd.DataFrame, storage: str) -> str:
    """The human summary (Markdown)."""
    lines = ["# budget_hpo report", "", f"Storage: `{storage}`  ", f"Written: "
             f"{datetime.now().isoformat(timespec='seconds')}", ""]
    maximize = {s.study_name: s.direction.name == "MAXIMIZE" for s in studies}
    baselines = [(c, _col(frame, f"user_attrs_{c}").median()) for c in
                 ("naive_val_auc", "linear_val_auc", "naive_test_auc", "linear_test_auc")]
    lines += ["## Baselines (same data, same origins)", "",
              "| naive val AUC | linear val AUC | naive test AUC | linear test AUC |",
              "|---|---|---|---|",
              "| " + " | ".join(_fmt(v) for _, v in baselines) + " |", ""]
    phase1 = [s for s in studies if _phase(s.study_name).startswith("phase1")]
    for study in phase1 or studies[:1]:
        name = study.study_name
        sub = frame[frame["study"] == name]
        states = sub["state"].value_counts().to_dict()
        lines += [f"## {name}", "", "Trials: " + ", ".join(f"{k} {v}" for k, v in
                                                           sorted(states.items())), ""]
        stop = study.user_attrs.get("early_stop")
        if stop:
            lines += [f"Converged: the top {stop['top_k']} of {stop['n_complete']} complete trials "
                      f"lay within {stop['spread']:.4f} (threshold {stop['threshold']}) when the "
                      f"study held {stop['n_trials']} trials; no further trial was launched.", ""]
        else:
            lines += ["Not converged (no early stop recorded).", ""]
        best = best_per_group(sub.assign(budget=_col(sub, "params_budget"),
                                         style=_col(sub, "params_style")),
                              ["budget", "style"], maximize[name])
        lines += ["| budget | style | best objective | val AUC | test AUC of that trial | trial | "
                  "d_model × layers × heads | exact params | trials | failed |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for _, r in best.iterrows():
            arch = (f"{_fmt(r.get('d_model'), ',')} × {_fmt(r.get('n_layers'), ',')} × "
                    f"{_fmt(r.get('n_heads'), ',')}")
            lines.append(
                f"| {r['budget']} | {r['style']} | {_fmt(r.get('value'))} | "
                f"{_fmt(r.get('val_auc'))} | {_fmt(r.get('test_auc'))} | "
                f"{_fmt(r.get('number'), ',')} | {arch} | {_fmt(r.get('params_exact'), ',')} | "
                f"{r['trials']} | {r['failed']} |")
        lines.append("")
    phase2 = [s for s in studies if _phase(s.study_name).startswith("phase2")]
    if phase2:
        lines += ["## Phase 2 beside phase 1", "",
                  "| budget | phase-1 best | phase-2 best | change | phase-2 trial | n_heads | lr | "
                  "weight decay | batch size | test AUC | trials | failed |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        p1 = frame[frame["phase"].str.startswith("phase1")]
        for study in phase2:
            sub = frame[frame["study"] == study.study_name]
            budget = _phase(study.study_name).removeprefix("phase2_")
            done = sub[sub["state"] == "COMPLETE"]
            ref = p1[(p1["state"] == "COMPLETE") & (_col(p1, "params_budget") == budget)]["value"]
            ref_best = (ref.max() if maximize[study.study_name] else ref.min()) if len(ref) else np.nan
            if done.empty:
                lines.append(f"| {budget} | {_fmt(ref_best)} | – | – | – | – | – | – | – | – | "
                             f"{len(sub)} | {int((sub['state'] == 'FAIL').sum())} |")
                continue
            b = done.loc[done["value"].idxmax() if maximize[study.study_name] else done["value"].idxmin()]
            lines.append(
                f"| {budget} | {_fmt(ref_best)} | {_fmt(b['value'])} | "
                f"{_fmt(b['value'] - ref_best, '+.4f')} | {int(b['number'])} | "
                f"{_fmt(b.get('params_model.n_heads'), ',')} | {_fmt(b.get('params_regularization.lr'), '.2e')} | "
                f"{_fmt(b.get('params_regularization.weight_decay'), '.3f')} | "
                f"{_fmt(b.get('params_model.batch_size'), ',')} | {_fmt(b.get('user_attrs_test_auc'))} | "
                f"{len(sub)} | {int((sub['state'] == 'FAIL').sum())} |")
        lines.append("")
    lines += ["## Parameter importances (Optuna's fANOVA)", ""]
    for study in studies:
        imp = _importances(study)
        lines.append(f"**{study.study_name}**: " + (imp if isinstance(imp, str) else ""))
        if not isinstance(imp, str):
            lines += ["", "| parameter | importance |", "|---|---|"]
            lines += [f"| {k} | {v:.3f} |" for k, v in imp]
        lines.append("")
    lines += ["Figures: `scaling.png` (best objective against exact parameters), `history.png` "
              "(objective by trial). Trials: `trials.csv`.", "",
              f"Browse the studies live: `optuna-dashboard {storage}`", ""]
    return "\n".join(lines)


def scaling_plot(frame: pd.DataFrame, path: Path, maximize: bool) -> None:
    """Best objective per (phase, budget, style) against exact parameter count, with a trend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    done = frame[frame["state"] == "COMPLETE"].copy()
    done["budget"] = _col(done, "params_budget").fillna(_col(done, "user_attrs_budget"))
    done["style"] = _col(done, "params_style").fillna(_col(done, "user_attrs_style"))
    done["kind"] = np.where(done["phase"].str.startswith("phase2"), "phase 2", "phase 1")
    done = done.dropna(subset=["user_attrs_params_exact"]) if "user_attrs_params_exact" in done else done.iloc[0:0]
    points = []
    for (kind, style, _budget), group in done.groupby(["kind", "style", "budget"]):
        best = group.loc[group["value"].idxmax() if maximize else group["value"].idxmin()]
        points.append((kind, style, float(best["user_attrs_params_exact"]), float(best["value"])))
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
    for ax, study in zip(axes[:, 0], studies):
        sub = frame[(frame["study"] == study.study_name) & (frame["state"] == "COMPLETE")]
        forced = _col(sub, "user_attrs_forced").fillna(False).astype(bool)
        ax.scatter(sub.loc[~forced, "number"], sub.loc[~forced, "value"], s=18, label="TPE")
        ax.scatter(sub.loc[forced, "number"], sub.loc[forced, "value"], s=28, marker="s",
                   color="tab:red", label="forced")
        if len(sub):
            best = sub.sort_values("number")["value"]
            running = best.cummax() if study.direction.name == "MAXIMIZE" else best.cummin()
            ax.step(sub.sort_values("number")["number"], running, where="post", color="k",
                    lw=1, label="best so far")
        stop = study.user_attrs.get("early_stop")
        if stop:
            ax.axvline(stop["n_trials"] - 0.5, color="tab:green", ls="--",
                       label=f"early stop ({stop['n_complete']} complete)")
        ax.set_title(study.study_name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("trial")
        ax.set_ylabel("objective")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(storage: str, folder: Path, names: Sequence[str] | None = None) -> Report:
    """Write the report for ``names`` (default: every budget-hpo study) into ``folder``."""
    studies = load_studies(storage, names)
    frame = trials_frame(studies)
    folder.mkdir(parents=True, exist_ok=True)
    files = (folder / "trials.csv", folder / "summary.md", folder / "scaling.png",
             folder / "history.png")
    frame.to_csv(files[0], index=False)
    files[1].write_text(summary_markdown(studies, frame, storage))
    scaling_plot(frame, files[2], maximize=studies[0].direction.name == "MAXIMIZE")
    history_plot(studies, frame, files[3])
    return Report(folder, frame, files)


def main(argv: Sequence[str] | None = None) -> None:
    """``budget-hpo-report [--storage URL] [--study NAME ...] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="budget-hpo-report", description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default=DEFAULT_STORAGE, help=f"default {DEFAULT_STORAGE}")
    parser.add_argument("--study", action="append", help="a study name (repeat); default: all "
                        "budget-hpo-* studies in the storage")
    parser.add_argument("--out", type=Path, help="folder; default multirun/report-<date>_<time>")
    args = parser.parse_args(argv)
    folder = args.out or Path("multirun") / f"report-{datetime.now():%Y-%m-%d_%H-%M-%S}"
    try:
        report = write_report(args.storage, folder, args.study)
    except ConfigError as err:
        print(f"budget-hpo-report: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    n = len(report.trials)
    print(f"report of {n} trials written to {report.folder}/ "
          f"({', '.join(p.name for p in report.files)})")
    print(f"browse the studies: optuna-dashboard {args.storage}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The report's ``summary.md``: what a researcher reads after (or during) a search."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from budget_hpo.natural_sort import natural_key
from budget_hpo.phase2.ranking import rank_budgets
from budget_hpo.phase2.spec import ranked_outcomes
from budget_hpo.report.cells import col, with_ci
from budget_hpo.report.datasets import datasets_section
from budget_hpo.report.separability import SEPARABLE_SDS, separable
from budget_hpo.report.snapshot import ReportSnapshot, StudySnapshot
from budget_hpo.report.studies import trials_frame
from budget_hpo.search.replicates import NO_FRESH, SeedStats, pooled_sd
from budget_hpo.trial.baselines import SPLITS, baseline_names, metric_keys
from budget_hpo.trial.bootstrap import verdict

__all__ = ["best_per_group", "summary_markdown"]

ARCH = ("params_exact", "d_model", "n_layers", "n_heads", "val_auc", "test_auc", "val_auc_low",
        "val_auc_high", "test_auc_low", "test_auc_high")


def _best_row(done: pd.DataFrame, maximize: bool) -> pd.Series:
    return done.loc[done["value"].idxmax() if maximize else done["value"].idxmin()]


def best_per_group(frame: pd.DataFrame, keys: list[str], maximize: bool) -> pd.DataFrame:
    """The best COMPLETE trial of each group, with run/failed counts of the group."""
    rows = []
    groups = sorted(frame.groupby(keys, dropna=False),
                    key=lambda kg: tuple(natural_key(str(k)) for k in kg[0]))
    for key, group in groups:
        row: dict[str, Any] = {**dict(zip(keys, key, strict=True)), "trials": len(group),
                               "failed": int((group["state"] == "FAIL").sum())}
        done = group[group["state"] == "COMPLETE"]
        if not done.empty:
            best = _best_row(done, maximize)
            row.update(value=best["value"], number=int(best["number"]),
                       **{k: best.get(k, np.nan) for k in ARCH})
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(x: Any, spec: str = ".4f") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, (int, np.integer)) or (isinstance(x, float) and spec == ","):
        return f"{int(x):,}"
    return format(x, spec)


def _importances(study: StudySnapshot) -> tuple[list[tuple[str, float]], list[str]] | str:
    """Optuna's fANOVA importances of the study's COMPLETE trials, computed on an in-memory
    copy of them (the storage is not read), over the parameters that took more than one value
    there; the others, held fixed, have no importance and are returned by name."""
    import optuna

    complete = study.complete
    if len(complete) < 3:
        return f"n/a ({len(complete)} complete trials; need 3)"
    names = sorted({name for t in complete for name in t.params})
    varied = [n for n in names if len({repr(t.params.get(n)) for t in complete}) > 1]
    fixed = [n for n in names if n not in varied]
    if not varied:
        return f"n/a (no parameter took more than one value in the {len(complete)} complete trials)"
    copy = optuna.create_study(direction="maximize" if study.maximize else "minimize")
    try:
        copy.add_trials([optuna.trial.create_trial(
            params=dict(t.params), distributions=dict(t.distributions), value=t.value)
            for t in complete])
        return list(optuna.importance.get_param_importances(copy, params=varied).items()), fixed
    except Exception as err:  # e.g. a parameter missing from some trials
        return f"n/a ({str(err).splitlines()[0]})"


def _baselines(frame: pd.DataFrame) -> list[str]:
    """Every registered baseline's median AUC on each split (validation first)."""
    cells = [(f"{name} {split} AUC", col(frame, metric_keys(name, split).auc).median())
             for split in SPLITS for name in baseline_names()]
    return ["## Baselines (same data, same origins)", "",
            "| " + " | ".join(head for head, _ in cells) + " |", "|---" * len(cells) + "|",
            "| " + " | ".join(_fmt(v) for _, v in cells) + " |", ""]


def _phase1_section(study: StudySnapshot, frame: pd.DataFrame) -> list[str]:
    sub = frame[frame["study"] == study.name]
    states = sub["state"].value_counts().to_dict()
    lines = [f"## {study.name}", "",
             "Trials: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items())), ""]
    stop = study.early_stop
    if stop is not None:
        lines += [f"Converged: the top {stop.top_k} of {stop.n_complete} complete trials lay "
                  f"within {stop.spread:.4f} (threshold {stop.threshold}) when the study held "
                  f"{stop.n_trials} trials; no further trial was launched.", ""]
    else:
        lines += ["Not converged (no early stop recorded).", ""]
    noise = study.noise
    if noise is not None:
        lines += [f"Early-stop threshold=auto: {noise.factor:g} × the seed SD {noise.sd:.4f} of "
                  f"trial {noise.of} (the first forced config) over {len(noise.values)} further "
                  f"seeds = {noise.threshold:.4f}.", ""]
    sized = sub.assign(budget=col(sub, "params_budget"), style=col(sub, "params_style"))
    # a trial not yet asked (a queued forced config) has no budget; the states line counts it
    best = best_per_group(sized[sized["budget"].notna()], ["budget", "style"], study.maximize)
    lines += ["| budget | style | best objective | val AUC [95% CI] | test AUC of that trial "
              "[95% CI] | trial | d_model × layers × heads | exact params | trials | failed |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in best.iterrows():
        arch = (f"{_fmt(r.get('d_model'), ',')} × {_fmt(r.get('n_layers'), ',')} × "
                f"{_fmt(r.get('n_heads'), ',')}")
        lines.append(
            f"| {r['budget']} | {r['style']} | {_fmt(r.get('value'))} | "
            f"{with_ci(r, 'val_auc')} | {with_ci(r, 'test_auc')} | "
            f"{_fmt(r.get('number'), ',')} | {arch} | {_fmt(r.get('params_exact'), ',')} | "
            f"{r['trials']} | {r['failed']} |")
    return [*lines, "", *_baseline_verdicts(sub, study.maximize), ""]


def _baseline_verdicts(sub: pd.DataFrame, maximize: bool) -> list[str]:
    """Whether the best trial beats each baseline, on its paired intervals (the last
    registered, the most demanding, first)."""
    done = sub[sub["state"] == "COMPLETE"]
    if done.empty:
        return []
    best = _best_row(done, maximize)
    lines = []
    for split, label in (("val", "validation"), ("test", "test")):
        parts = []
        for name in reversed(baseline_names()):
            keys = metric_keys(name, split)
            key, low, high = keys.gap, best.get(keys.gap_low), best.get(keys.gap_high)
            if low is None or high is None or pd.isna(low) or pd.isna(high):
                continue
            parts.append(f"{verdict(low, high)} the {name} baseline (AUC gap "
                         f"{with_ci(best, key, '+')})")
        if parts:
            lines.append(f"- Best trial {int(best['number'])} on the {label} split: "
                         + "; ".join(parts) + ".")
    return ["Against the baselines (paired 95% block-bootstrap intervals over the evaluation "
            "origins):", "", *lines] if lines else []


def _seeds_section(study: StudySnapshot, frame: pd.DataFrame) -> list[str]:
    """The replicated configs over their fresh seeds, each with its selected value beside (never
    pooled: see :class:`budget_hpo.search.replicates.SeedStats`), budgets ranked by fresh-seed
    mean, and whether the top budget is separable from the next: their gap against twice the
    pooled seed SD of the fresh seeds."""
    seeds = study.seeds
    if not seeds:
        return ["### Seed replicates", "",
                f"None (search.replicates.seeds=0, or not run yet): every value above is a "
                f"{NO_FRESH}, flattered by the selection it won.", ""]
    sub = frame[frame["study"] == study.name].set_index("number")
    noise = pooled_sd(list(seeds.values()))
    lines = [f"### Seed replicates ({len(seeds)} configs; pooled seed SD {_fmt(noise)} over "
             "fresh seeds)", "",
             "| budget | style | trial | fresh seeds | mean ± sd (fresh) | n fresh | "
             "selected value |", "|---|---|---|---|---|---|---|"]
    sign = 1.0 if study.maximize else -1.0
    for n, s in sorted(seeds.items(), key=lambda kv: -sign * kv[1].mean):
        budget, style = sub.loc[n].get("params_budget"), sub.loc[n].get("params_style")
        lines.append(f"| {budget} | {style} | {n} | {', '.join(f'{v:.4f}' for v in s.fresh)} "
                     f"| {s.mean:.4f} ± {_fmt(s.sd)} | {s.n} | {s.selected:.4f} |")
    ranked = [(r.budget, seeds.get(r.best_trial), r.best_value) for r in
              rank_budgets(ranked_outcomes(study.complete, seeds), study.direction)]
    lines += ["", "Budgets by their best config (its fresh-seed mean where replicated): "
              + ", ".join(f"{b} " + (s.text() if s else f"{v:.4f} ({NO_FRESH})")
                          for b, s, v in ranked) + "."]
    if len(ranked) >= 2:
        lines += _separability(ranked[0], ranked[1], sign, noise)
    return [*lines, ""]


def _separability(top: tuple[str, SeedStats | None, float],
                  nxt: tuple[str, SeedStats | None, float], sign: float,
                  noise: float) -> list[str]:
    """Whether the top budget is separable from the next
    (:func:`~budget_hpo.report.separability.separable`); a budget ranked by its selected value
    is named as such."""
    gap = sign * (top[2] - nxt[2])
    apart = separable(gap, noise)
    if apart is None:
        lines = [f"Whether the top budget {top[0]} is separable from the next, {nxt[0]} (gap "
                 f"{gap:.4f}), cannot be said: no replicated config has two fresh seeds, so "
                 "there is no seed SD."]
    else:
        lines = [f"The top budget {top[0]} is {'separable' if apart else 'NOT separable'} "
                 f"from the next, {nxt[0]}: gap {gap:.4f} "
                 f"{'>' if apart else '<='} {SEPARABLE_SDS:g} × pooled seed SD "
                 f"({SEPARABLE_SDS * noise:.4f})"
                 + ("." if apart else ": the ranking is within seed noise.")]
    bare = [b for b, s, _ in (top, nxt) if s is None]
    if bare:
        lines.append(f"{' and '.join(bare)}: {NO_FRESH}; a selected value is flattered by "
                     "the selection it won, so this gap is not free of the winner's curse.")
    return lines


def _phase2_section(studies: Sequence[StudySnapshot], frame: pd.DataFrame) -> list[str]:
    """Each phase-2 study's best beside phase 1's best of its budget; columns: its parameters."""
    names = sorted({k for s in studies for t in s.trials for k in t.params} - {"budget"})
    params = [f"params_{n}" for n in names]
    lines = ["## Phase 2 beside phase 1", "",
             "| budget | phase-1 best | phase-2 best | change | phase-2 trial | "
             + " | ".join(names) + " | test AUC | trials | failed |",
             "|" + "---|" * (8 + len(names))]
    for study in studies:
        maximize = study.maximize
        sub = frame[frame["study"] == study.name]
        budgets = col(sub, "params_budget").dropna()
        budget = str(budgets.mode().iloc[0]) if len(budgets) else "?"
        p1 = frame[(frame["study"] == study.parent) & (frame["state"] == "COMPLETE")]
        ref = p1[col(p1, "params_budget") == budget]["value"]
        ref_best = (ref.max() if maximize else ref.min()) if len(ref) else np.nan
        done = sub[sub["state"] == "COMPLETE"]
        counts = f"{len(sub)} | {int((sub['state'] == 'FAIL').sum())} |"
        if done.empty:
            lines.append(f"| {budget} | {_fmt(ref_best)} | – | – | – | "
                         + " | ".join("–" for _ in names) + f" | – | {counts}")
            continue
        b = _best_row(done, maximize)
        cells = [_fmt(b.get(p), ".3g") if isinstance(b.get(p), float) else str(b.get(p, "–"))
                 for p in params]
        lines.append(f"| {budget} | {_fmt(ref_best)} | {_fmt(b['value'])} | "
                     f"{_fmt(b['value'] - ref_best, '+.4f')} | {int(b['number'])} | "
                     + " | ".join(cells) + f" | {_fmt(b.get('test_auc'))} | {counts}")
    return [*lines, ""]


def _curves_section(frame: pd.DataFrame) -> list[str]:
    """Links to the training curves of every trial that logged them (``logger``)."""
    logged = frame[col(frame, "curves").notna()]
    if logged.empty:
        return []
    lines = ["## Training curves", "",
             "Open a folder's curves with `tensorboard --logdir <folder>` (logger=tensorboard), "
             "read `metrics.csv` (logger=csv), or browse MLflow runs with "
             "`mlflow ui --backend-store-uri <tracking uri>` (logger=mlflow).", ""]
    for _, r in logged.sort_values(["study", "number"]).iterrows():
        target = str(r["curves"])
        link = f"[{target}]({target})" if not target.startswith(("sqlite:", "http")) else target
        lines.append(f"- {r['study']} trial {int(r['number'])} ({r.get('params_budget', '?')} "
                     f"{r.get('params_style', '')}, {r['state']}): {link}")
    return [*lines, ""]


def _importance_section(studies: Sequence[StudySnapshot]) -> list[str]:
    lines = ["## Parameter importances (Optuna's fANOVA)", ""]
    for study in studies:
        imp = _importances(study)
        lines.append(f"**{study.name}**: " + (imp if isinstance(imp, str) else ""))
        if not isinstance(imp, str):
            pairs, fixed = imp
            lines += ["", "| parameter | importance |", "|---|---|"]
            lines += [f"| {k} | {v:.3f} |" for k, v in pairs]
            if fixed:
                lines += ["", "Held fixed in every complete trial (no importance): "
                          + ", ".join(fixed) + "."]
        lines.append("")
    return lines


def summary_markdown(snapshot: ReportSnapshot) -> str:
    """The human summary (Markdown): a pure function of ``snapshot``."""
    frame = trials_frame(snapshot)
    studies = snapshot.studies
    lines = ["# budget_hpo report", "", f"Storage: `{snapshot.storage}`  ",
             f"Written: {snapshot.read_at.isoformat(timespec='seconds')}", "",
             *_baselines(frame)]
    phase1, phase2 = snapshot.phase1, snapshot.phase2
    for study in phase1 or studies[:1]:
        lines += [*_phase1_section(study, frame), *_seeds_section(study, frame)]
    lines += datasets_section(snapshot)
    if phase2:
        lines += _phase2_section(phase2, frame)
    lines += [*_curves_section(frame), *_importance_section(studies),
              "Figures: `scaling.png` (best config per budget and style against exact "
              "parameters, with seed SD or interval bars and the baselines), `history.png` "
              "(objective by trial), `pareto.png` (every trial against parameters and training "
              "time, the Pareto front)" + (", `datasets.png` (one line per dataset)"
                                            if len(phase1) >= 2 else "")
              + ". Trials: `trials.csv`. The scaling laws, their extrapolation check, the "
              "learning-rate trend, the winners beside the baselines and what is within noise: "
              "`findings.md`, with `scaling_law.png` and `lr_transfer.png`.", "",
              f"Browse the studies live: `{snapshot.dashboard}`", ""]
    return "\n".join(lines)

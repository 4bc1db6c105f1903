"""The tables of configs in ``findings.md``: the best configs (the laws' points), the winner of
each budget beside the baselines, and what is within noise.

Every value is a config's mean over its fresh seeds with its 95% interval
(:meth:`budget_hpo.report.law_fits.StudyLaws.means`, the seed SD pooled over every replicated
config of the phase, as the summary pools it), so a config shows the same interval in every
table and figure.
"""

from __future__ import annotations

import math
import statistics

from budget_hpo.intervals import Interval
from budget_hpo.laws import NO_EVIDENCE, ScalingLaw
from budget_hpo.laws.curves import PowerLaw
from budget_hpo.report.best_configs import KEYS, RankedConfig
from budget_hpo.report.law_fits import StudyLaws
from budget_hpo.report.law_points import LAW_METRICS
from budget_hpo.report.separability import SEPARABLE_SDS, separation
from budget_hpo.search.replicates import NO_FRESH
from budget_hpo.trial.baselines import SPLITS, baseline_names, metric_keys
from budget_hpo.trial.bootstrap import verdict

__all__ = ["configs_section", "exponent_text", "interval_text", "noise_section", "span",
           "winners_section"]


def span(x: float) -> str:
    return "–" if math.isnan(x) else f"{x:.4f}"


def interval_text(x: Interval | None, sign: str = "") -> str:
    """``0.7123 [0.7001, 0.7245]``; the value alone without bounds; ``–`` without a value."""
    if x is None:
        return "–"
    bounds = ("" if math.isnan(x.low) or math.isnan(x.high)
              else f" [{x.low:{sign}.4g}, {x.high:{sign}.4g}]")
    return f"{x.value:{sign}.4g}{bounds}"


def exponent_text(law: ScalingLaw) -> str:
    """``α 0.31 [0.12, 0.55]`` or ``slope +0.0123 [+0.0041, +0.02] per tenfold parameters``."""
    e = law.exponent
    if isinstance(law.curve, PowerLaw):
        return f"α {e.value:.4g} [{e.low:.4g}, {e.high:.4g}]"
    return f"slope {e.value:+.4g} [{e.low:+.4g}, {e.high:+.4g}] per tenfold parameters"


def _seeds(config: RankedConfig) -> str:
    if config.stats is None:
        return NO_FRESH
    return f"{config.stats.n} fresh (selected {config.stats.selected:.4f})"


def configs_section(laws: StudyLaws) -> list[str]:
    """The best config of each budget × style, ★ on each budget's winner."""
    lines = ["### Best configs", ""]
    if not laws.by_style:
        return [*lines, "No complete trial: no config to report.", ""]
    columns = {m.label: laws.means(m.key) for m in LAW_METRICS}
    columns = {k: v for k, v in columns.items() if any(x is not None for x in v.values())}
    winners = {c.trial.number for c in laws.best}
    lines += ["The best config of each budget × style (ranked by its fresh-seed mean of the "
              "objective where replicated, else by its selected value; in a budget × style with "
              "replicated configs, only those); ★: its budget's winner.", "",
              "| budget | style | trial | exact params | "
              + " | ".join(f"{k} [95%]" for k in columns) + " | seeds |",
              "|---" * (5 + len(columns)) + "|"]
    for c in laws.by_style:
        star = " ★" if c.trial.number in winners else ""
        size = "–" if c.n_params is None else f"{c.n_params:,}"
        lines.append(f"| {c.budget} | {c.style}{star} | {c.trial.number} | {size} | "
                     + " | ".join(interval_text(v[c.trial.number]) for v in columns.values())
                     + f" | {_seeds(c)} |")
    return [*lines, ""]


def _median(laws: StudyLaws, key: str) -> float:
    values = [v for t in laws.study.complete if (v := t.record.baselines.get(key)) is not None]
    return statistics.median(values) if values else math.nan


def _baselines(laws: StudyLaws) -> str:
    """Every baseline's AUC on each split: the median over the trials (they share origins)."""
    parts = []
    for name in baseline_names():
        cells = []
        for split in SPLITS:
            keys = metric_keys(name, split)
            auc = Interval(*(_median(laws, k) for k in (keys.auc, keys.auc_low, keys.auc_high)))
            if not math.isnan(auc.value):
                cells.append(f"{split} AUC {interval_text(auc)}")
        if cells:
            parts.append(f"{name} {', '.join(cells)}")
    return ("Baselines on the same origins (the median over the trials): " + "; ".join(parts)
            + "." if parts else "No baseline was recorded.")


def winners_section(laws: StudyLaws) -> list[str]:
    """Each budget's winner with its validation and test AUC and its gaps to every baseline
    (the most demanding first), each over its fresh seeds."""
    lines = ["### Winners per budget, and the baselines", "", _baselines(laws), ""]
    if not laws.best:
        return [*lines, "No complete trial: no winner.", ""]
    names = tuple(reversed(baseline_names()))
    val, test = laws.means("val_auc"), laws.means("test_auc")
    gaps = {n: laws.means(metric_keys(n, "val").gap) for n in names}
    lines += ["| budget | winner | val AUC [95%] | test AUC [95%] | "
              + " | ".join(f"val − {n}" for n in names) + " | seeds |",
              "|---" * (5 + len(names)) + "|"]
    for c in laws.best:
        n = c.trial.number
        lines.append(f"| {c.budget} | {c.style}, trial {n} | {interval_text(val[n])} | "
                     f"{interval_text(test[n])} | "
                     + " | ".join(_gap(gaps[b][n]) for b in names) + f" | {_seeds(c)} |")
    return [*lines, "", "Gaps: model − baseline AUC on the same validation origins (paired "
            "intervals), averaged over the fresh seeds; beats / ties / loses to: the interval "
            "lies above, across or below 0.", ""]


def _gap(gap: Interval | None) -> str:
    if gap is None:
        return "–"
    if math.isnan(gap.low) or math.isnan(gap.high):
        return interval_text(gap, "+")
    return f"{interval_text(gap, '+')}: {verdict(gap.low, gap.high)}"


def noise_section(laws: StudyLaws) -> list[str]:
    """What is within noise: the winner against its runner-up by budget, style and both; each
    budget's styles; the laws without evidence either way."""
    maximize = laws.study.maximize
    lines = ["### Within noise", "",
             f"Two configs are separable when the gap between their ranked values (fresh-seed "
             f"means) exceeds {SEPARABLE_SDS:g} × the pooled seed SD of the fresh seeds.", ""]
    for by in KEYS:
        found = separation(laws.configs, by, maximize)
        lines.append(f"- {by.capitalize()}: "
                     + (found.text() if found else "no complete trial") + ".")
    each = [separation([c for c in laws.configs if c.budget == b.budget], "style", maximize,
                       noise=laws.noise) for b in laws.best]
    lines.append("- At each budget, its styles (each by its best config): " + "; ".join(
        f"{s.winner.budget}: {s.text()}" for s in each if s is not None) + ".")
    flat = [f"{f.metric.label} {f.where}" for f in laws.laws
            if f.law is not None and f.law.verdict == NO_EVIDENCE]
    lines.append("- Laws with no evidence either way: " + (", ".join(flat) or "none") + ".")
    return [*lines, ""]

"""The report's ``findings.md``: what a researcher can publish, a pure function of the snapshot.

One self-contained part per dataset (each phase-1 study): its best configs (the laws' points),
the scaling laws of each metric with their intervals and verdicts, the extrapolation check, the
learning-rate trend, the winner of each budget with its intervals beside the baselines, and what
is within noise; then, with several datasets, the laws side by side and whether the winners
agree. A section that cannot be computed says why in one line. The numbers come from
:mod:`budget_hpo.report.law_fits` (the laws) and :mod:`budget_hpo.report.findings_tables` (the
tables of configs); ``scaling_law.png`` and ``lr_transfer.png`` draw the same fits.
"""

from __future__ import annotations

from collections.abc import Sequence

from budget_hpo.intervals import Interval
from budget_hpo.laws import ScalingLaw
from budget_hpo.laws.curves import PowerLaw
from budget_hpo.report.datasets import agreement_lines
from budget_hpo.report.findings_tables import (
    configs_section,
    exponent_text,
    noise_section,
    span,
    winners_section,
)
from budget_hpo.report.headline import headline
from budget_hpo.report.law_fits import POOLED, LawFit, StudyLaws, snapshot_laws
from budget_hpo.report.law_points import LAW_METRICS
from budget_hpo.report.lr_fits import STEP_UP, LrFit
from budget_hpo.report.snapshot import ReportSnapshot

__all__ = ["exponent_text", "findings_markdown", "law_text"]


def law_text(law: ScalingLaw, label: str) -> str:
    """``val AUC = 0.6 + 0.01·log10 N`` or ``val MSE = 0.4 + 12·N^(−0.31)``, 4 significant
    digits."""
    c = law.curve
    if isinstance(c, PowerLaw):
        return (f"{label} = {c.E:.4g} {'+' if c.A >= 0 else '−'} {abs(c.A):.4g}·N^(−"
                f"{c.alpha:.4g})")
    return (f"{label} = {c.intercept:.4g} {'+' if c.slope >= 0 else '−'} "
            f"{abs(c.slope):.4g}·log10 N")


def _laws_section(laws: StudyLaws) -> list[str]:
    lines = ["### Scaling laws", "",
             "Each metric against the exact parameter count, fitted to the best config's mean "
             "per budget (its fresh seeds): with the styles pooled (each budget's winner, ★ "
             "above) and per style. A loss at four sizes or more: a power law "
             "`E + A·N^(−α)`; an AUC, or fewer sizes: a line in log10 N. Intervals: 95%, from "
             "refits to bootstrap draws over seeds and origins.", "",
             "| metric | points | law | α or slope [95%] | verdict |", "|---|---|---|---|---|"]
    notes, verdicts = [], []
    for metric in LAW_METRICS:
        fits = [f for f in laws.laws if f.metric == metric]
        if not fits[0].points:  # not recorded: one line for the metric
            lines.append(f"| {metric.label} | – | {fits[0].why} | – | – |")
            continue
        for fit in fits:
            where = (f"{fit.where}: {_count(len(fit.points), 'budget')}, "
                     f"{_count(sum(len(s.values) for s in fit.seeds), 'value')}")
            if fit.law is None:
                lines.append(f"| {metric.label} | {where} | no law: {fit.why} | – | – |")
                continue
            lines.append(f"| {metric.label} | {where} | {law_text(fit.law, metric.label)} "
                         f"({fit.law.kind}) | {exponent_text(fit.law)} | {fit.law.verdict} |")
            notes += [f"- {metric.label}, {fit.where}: {n}" for n in (fit.law.note,) if n]
            notes += [f"- {metric.label}, {fit.where}: no value recorded at "
                      f"{', '.join(fit.missing)}"] if fit.missing else []
        verdicts.append(_verdict(metric.label, fits))
    return [*lines, "", *notes, *([""] if notes else []), *verdicts, ""]


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verdict(label: str, fits: Sequence[LawFit]) -> str:
    """The closing verdict of one metric: pooled first, then each style."""
    pooled, styles = fits[0], fits[1:]
    head = (f"**{label}: {pooled.law.verdict}** with the styles pooled "
            f"({exponent_text(pooled.law)})" if pooled.law is not None
            else f"**{label}: no law** with the styles pooled ({pooled.why})")
    each = [f"{f.group} {f.law.verdict if f.law is not None else 'no law'}" for f in styles]
    return f"Verdict, {head}" + (f"; per style: {', '.join(each)}." if each else ".")


def _extrapolation_section(laws: StudyLaws) -> list[str]:
    lines = ["### Extrapolation, checked", "",
             "The largest budget held out, the law refitted on the others predicts it; the "
             "interval adds the noise of the measured mean (seed SD pooled over budgets, and "
             "origin noise).", ""]
    for fit in laws.laws:
        if not fit.points or fit.law is None:
            if fit.group == POOLED:
                lines.append(f"- {fit.metric.label}: no check ({fit.why or 'no law'}).")
            continue
        check = fit.check
        held = "" if check is None or check.n_params is None else (
            f"{fit.points[-1][0].budget} ({check.n_params:,} parameters) held out, "
            f"refitted on {check.n_budgets - 1} ({check.law.kind if check.law else '–'}): ")
        lines.append(f"- {fit.metric.label}, {fit.where}: {held}{check}.")
    return [*lines, ""]


def _lr_section(laws: StudyLaws) -> list[str]:
    lr = laws.lr
    lines = ["### Learning rate", "",
             "The law a phase-2 file's first trial starts from (`search.phase2.transfer_lr`): "
             "per budget, the learning rates of its three best trials (by their value), at the "
             "exact count of its best one, fitted as `log10 lr = a + b·log10 N`; each bootstrap "
             "draw takes one of a budget's learning rates.", ""]
    if lr.law is None:
        return [*lines, f"No learning-rate law: {lr.why}.", ""]
    lines += ["| budget | exact params | its top learning rates | the law's lr [95%] |",
              "|---|---|---|---|"]
    for budget, top in lr.points:
        lines.append(f"| {budget} | {top.n_params:,} | {', '.join(f'{x:.3g}' for x in top.lrs)} "
                     f"| {_lr(lr.law.predict(top.n_params))} |")
    if lr.next_up is not None:
        lines.append(f"| next up ({STEP_UP}× the largest) | {lr.next_up:,} | – | "
                     f"**{_lr(lr.law.predict(lr.next_up))}** |")
    s, note = lr.law.law.slope, lr.law.law.note
    lines += ["", f"Slope b = {s.value:+.3g} [{s.low:+.3g}, {s.high:+.3g}] (log10 lr per "
              f"log10 N): {_lr_trend(s)}." + (f" {note[:1].upper()}{note[1:]}." if note else ""),
              "", *_phase2_lines(lr)]
    return [*lines, ""]


def _phase2_lines(lr: LrFit) -> list[str]:
    """Each phase-2 study's best learning rate against the law's prediction at its budget."""
    if not lr.phase2 and not lr.phase2_missing:
        return ["Phase 2: no phase-2 study of this phase in the report, so nothing to set the "
                "law's predictions against yet (`budget-hpo-report` with the phase-2 studies)."]
    lines = ["Phase 2, set against the law (its prediction at the budget, where the file's "
             "first trial started, and the learning rate of phase 2's best trial):", ""]
    for p in lr.phase2:
        lines.append(f"- {p.budget} (`{p.study}`): predicted {_lr(p.predicted)} at "
                     f"{p.n_params:,} parameters; its best trial {p.best.trial.number} ran at "
                     f"{p.lr:.3g}: {p.outcome}.")
    lines += [f"- `{name}`: no complete trial with a learning rate and a count to set against "
              "the law." for name in lr.phase2_missing]
    return lines


def _lr(x: Interval) -> str:
    return f"{x.value:.3g} [{x.low:.3g}, {x.high:.3g}]"


def _lr_trend(slope: Interval) -> str:
    if slope.low > 0:
        return "the best learning rate rises with size"
    if slope.high < 0:
        return "the best learning rate falls with size"
    return "no evidence that the best learning rate changes with size"


def _study_part(laws: StudyLaws) -> list[str]:
    study = laws.study
    seeds = (f"{sum(c.fresh for c in laws.configs)} configs rerun with fresh seeds (pooled "
             f"seed SD {span(laws.noise)})" if any(c.fresh for c in laws.configs) else
             "no seed replicates: every value is a selected value only, flattered by the "
             "selection it won (search.replicates.seeds)")
    lines = [f"## {study.dataset_name}", "",
             f"Study `{study.name}`: {len(laws.configs)} complete trials, objective "
             f"{'maximised' if study.maximize else 'minimised'}; {seeds}."]
    if study.children:
        lines.append(f"Phase 2 ({', '.join(study.children)}) is left out: it searched only "
                     "the top budgets further, and the laws compare budgets on one search.")
    top = headline(laws)
    if top:
        lines += ["", "**Headline**", "", *(f"- {line}" for line in top)]
    return [*lines, "", *configs_section(laws), *_laws_section(laws),
            *_extrapolation_section(laws), *_lr_section(laws), *winners_section(laws),
            *noise_section(laws)]


def _across(all_laws: Sequence[StudyLaws], snapshot: ReportSnapshot) -> list[str]:
    lines = ["## Across datasets", "",
             "| dataset | metric | law (styles pooled) | α or slope [95%] | verdict | "
             "extrapolation |", "|---|---|---|---|---|---|"]
    for laws in all_laws:
        for fit in (f for f in laws.laws if f.group == POOLED):
            name = laws.study.dataset_name
            if fit.law is None:
                lines.append(f"| {name} | {fit.metric.label} | no law: {fit.why} | – | – | – |")
                continue
            lines.append(f"| {name} | {fit.metric.label} | "
                         f"{law_text(fit.law, fit.metric.label)} | {exponent_text(fit.law)} | "
                         f"{fit.law.verdict} | {fit.check} |")
    lines += ["", "Do the winners agree? A winner counts only where it is separable from its "
              "runner-up.", "", *agreement_lines(snapshot), ""]
    return lines


def findings_markdown(snapshot: ReportSnapshot,
                      laws: Sequence[StudyLaws] | None = None) -> str:
    """``findings.md`` of ``snapshot`` (Markdown); ``laws``: the fits of its phase-1 studies,
    when already made (:func:`~budget_hpo.report.law_fits.snapshot_laws`, which the figures
    share)."""
    all_laws = snapshot_laws(snapshot) if laws is None else list(laws)
    lines = ["# Findings", "", f"Storage: `{snapshot.storage}`  ",
             f"Written: {snapshot.read_at.isoformat(timespec='seconds')}", "",
             "Every value is the best config's mean over its **fresh seeds** (reruns that took "
             "part in no selection) with its 95% interval, the selected value beside it; a "
             "config without fresh seeds shows its selected value and says so. Figures: "
             "`scaling_law.png`, `lr_transfer.png`.", ""]
    if not all_laws:
        return "\n".join([*lines, "No phase-1 study in this report: nothing to fit.", ""])
    for fits in all_laws:
        lines += _study_part(fits)
    if len(all_laws) >= 2:
        lines += _across(all_laws, snapshot)
    return "\n".join(lines)

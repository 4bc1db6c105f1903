"""A phase's finding in a few lines: which budget and style won, by how much, against which
baselines, and what the scaling law says. The top of each dataset's part of ``findings.md`` and
the last lines a phase logs; a pure function of the phase's fits
(:class:`~budget_hpo.report.law_fits.StudyLaws`).
"""

from __future__ import annotations

from budget_hpo.report.findings_tables import exponent_text, interval_text, span
from budget_hpo.report.law_fits import POOLED, StudyLaws
from budget_hpo.report.separability import SEPARABLE_SDS, Separation, separation
from budget_hpo.trial.baselines import SPLITS, baseline_names, metric_keys
from budget_hpo.trial.bootstrap import verdict

__all__ = ["headline"]


def headline(laws: StudyLaws) -> list[str]:
    """The headline of one phase-1 study, a line per fact (none without a complete trial):

    1. the winner (the best budget's best config, ranked by its fresh-seed mean) with its
       validation and test AUC, and its gap to the best config of any other budget;
    2. its AUC gap to every baseline (the most demanding first), on each split, with the verdict;
    3. the verdict of the validation AUC's scaling law, the styles pooled.
    """
    found = separation(laws.configs, "budget", laws.study.maximize)
    if found is None:
        return []
    win = found.winner
    n = win.trial.number
    seeds = (f"mean of {win.stats.n} fresh seeds" if win.stats is not None
             else "its selected value (no fresh seeds)")
    lines = [f"{win.budget} × {win.style} wins (trial {n}, {seeds}): val AUC "
             f"{interval_text(laws.means('val_auc')[n])}, test AUC "
             f"{interval_text(laws.means('test_auc')[n])}; {_runner_up(found)}"]
    for split in SPLITS:
        cells = [f"{verdict(g.low, g.high)} {name} ({interval_text(g, '+')})"
                 for name in reversed(baseline_names())
                 if (g := laws.means(metric_keys(name, split).gap).get(n)) is not None]
        if cells:
            lines.append(f"{split} AUC against the baselines: {'; '.join(cells)}")
    fit = next((f for f in laws.laws if f.group == POOLED and f.metric.name == "auc"), None)
    if fit is not None:
        lines.append(f"scaling, {fit.metric.label}: " + (
            f"{fit.law.verdict}, {exponent_text(fit.law)}" if fit.law is not None
            else f"no law: {fit.why}"))
    return lines


def _runner_up(found: Separation) -> str:
    """``over 40k by 0.0530 (2 × seed SD 0.0210): separable``."""
    if found.runner_up is None:
        return "the only budget"
    said = found.separable
    word = ("separable" if said else "within noise" if said is False
            else "separability unknown without fresh seeds")
    return (f"over {found.runner_up.budget} by {span(found.gap)} ({SEPARABLE_SDS:g} × seed SD "
            f"{span(SEPARABLE_SDS * found.noise)}): {word}")

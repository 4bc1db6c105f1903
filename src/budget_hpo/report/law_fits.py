"""A phase's scaling findings, fitted once for the document and the figures alike.

For every metric of :data:`~budget_hpo.report.law_points.LAW_METRICS`: the law of each budget's
best config with the styles pooled, then of each style's best per budget
(:func:`budget_hpo.laws.fit_law`), each with its extrapolation check
(:func:`budget_hpo.laws.check_extrapolation`); and the learning-rate law with its phase-2
checks (:mod:`budget_hpo.report.lr_fits`). Where a law cannot be fitted, its ``why`` says so in
one line. The scaling laws read the phase-1 study alone: every budget had the same search
there, where phase 2 searched only the top budgets further.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from budget_hpo.intervals import Interval
from budget_hpo.laws import (
    BudgetSeeds,
    ExtrapolationCheck,
    ScalingLaw,
    check_extrapolation,
    fit_law,
)
from budget_hpo.natural_sort import natural_key
from budget_hpo.report.best_configs import RankedConfig, best_per, study_configs
from budget_hpo.report.law_points import LAW_METRICS, LawMetric, budget_seeds, mean_intervals
from budget_hpo.report.lr_fits import LrFit, lr_fit
from budget_hpo.report.snapshot import ReportSnapshot, StudySnapshot
from budget_hpo.search.replicates import pooled_sd

__all__ = ["POOLED", "LawFit", "StudyLaws", "snapshot_laws", "study_laws"]

POOLED = "pooled"  # the group of every budget's best config, whatever its style


@dataclass(frozen=True)
class LawFit:
    """The law of one metric over one group's best configs (``pooled``, or a style)."""

    metric: LawMetric
    group: str
    points: tuple[tuple[RankedConfig, BudgetSeeds], ...]  # by size
    law: ScalingLaw | None = None
    check: ExtrapolationCheck | None = None
    why: str = ""  # why there is no law
    missing: tuple[str, ...] = ()  # budgets whose best config recorded no value

    @property
    def seeds(self) -> list[BudgetSeeds]:
        return [s for _, s in self.points]

    @property
    def where(self) -> str:
        """``styles pooled``, or the style."""
        return "styles pooled" if self.group == POOLED else self.group


@dataclass(frozen=True)
class StudyLaws:
    """Everything the findings say of one phase-1 study."""

    study: StudySnapshot
    configs: tuple[RankedConfig, ...]  # every COMPLETE trial, with its fresh seeds
    best: tuple[RankedConfig, ...]  # each budget's best config, by budget
    by_style: tuple[RankedConfig, ...]  # each budget × style's best config
    noise: float  # the pooled seed SD of the fresh seeds (NaN: none)
    laws: tuple[LawFit, ...]  # per metric: pooled, then each style
    lr: LrFit

    @property
    def styles(self) -> list[str]:
        return _styles(self.by_style)

    def means(self, key: str) -> dict[int, Interval | None]:
        """Trial number -> the mean of its stored ``key`` over its fresh seeds with its 95%
        interval, for the best config of every budget × style (each budget's winner is one of
        them), the seed SD pooled over the whole phase
        (:func:`~budget_hpo.report.law_points.mean_intervals`): what every table and figure
        shows of a config."""
        return dict(zip((c.trial.number for c in self.by_style),
                        mean_intervals(self.by_style, key, self.configs), strict=True))


def _styles(configs: Sequence[RankedConfig]) -> list[str]:
    return sorted({c.style for c in configs}, key=natural_key)


def _law(metric: LawMetric, group: str, configs: Sequence[RankedConfig]) -> LawFit:
    points = tuple(sorted(((c, s) for c in configs if (s := budget_seeds(c, metric))),
                          key=lambda p: p[1].n_params))
    missing = tuple(c.budget for c in configs if all(c is not p for p, _ in points))
    if not points:
        return LawFit(metric, group, (), why=f"{metric.label} not recorded by these trials",
                      missing=missing)
    sizes = sorted({s.n_params for _, s in points})
    if len(sizes) < 2:
        return LawFit(metric, group, points, missing=missing, why=(
            f"one distinct parameter count ({sizes[0]:,}) among {len(points)} budget"
            f"{'s' if len(points) != 1 else ''}: a law needs two"))
    seeds = [s for _, s in points]
    try:
        law = fit_law(seeds, maximize=metric.maximize)
    except ValueError as err:
        return LawFit(metric, group, points, missing=missing, why=f"no fit: {err}")
    return LawFit(metric, group, points, law,
                  check_extrapolation(seeds, maximize=metric.maximize), missing=missing)


def study_laws(study: StudySnapshot, children: Sequence[StudySnapshot] = ()) -> StudyLaws:
    """Fit every law of ``study`` (a phase 1; the module's docstring says which), and check
    the learning-rate law against its phase-2 studies ``children``."""
    configs = study_configs(study)
    maximize = study.maximize
    best = best_per(configs, "budget", maximize)
    by_style = best_per(configs, "budget × style", maximize)
    laws = tuple(law for metric in LAW_METRICS for law in (
        _law(metric, POOLED, best),
        *(_law(metric, s, [c for c in by_style if c.style == s]) for s in _styles(by_style))))
    noise = pooled_sd([c.stats for c in configs if c.stats is not None])
    return StudyLaws(study, configs, tuple(best), tuple(by_style), noise, laws,
                     lr_fit(study, children))


def snapshot_laws(snapshot: ReportSnapshot) -> list[StudyLaws]:
    """The laws of every phase-1 study of ``snapshot``, each with its phase-2 studies."""
    return [study_laws(s, [c for c in snapshot.phase2 if c.parent == s.name])
            for s in snapshot.phase1]

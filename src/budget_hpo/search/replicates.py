"""Seed replicates: the best configs of a finished phase, rerun with further model seeds.

When a phase ends (converged or out of trials), the top ``search.replicates.top_k`` distinct
COMPLETE configs, and the best config of every budget not among them (so that budgets are
compared on equal terms), are rerun with ``search.replicates.seeds`` further seeds (the phase's
seed plus 1, 2, ...; the data unchanged). They live in their own study, ``<study>-replicates``, in
the same storage, each tagged ``replicate_of`` its trial: so they never count towards
``n_trials``, never enter the early-stop rule and never enter TPE's history (a second
observation of a point would read to TPE as a narrower, better-known optimum). A killed run
resumes them like any other trial. ``search.replicates.seeds=0`` turns them off.

The reruns' values are fresh: they took part in no selection. A replicated config's mean and SD
(:class:`SeedStats`) come from them alone, and its phase trial's value, which won a selection,
is shown beside them, never pooled with them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import TrialState

from budget_hpo.records import TrialRecord
from budget_hpo.search.heartbeat import config_of
from budget_hpo.search.study import best_first

__all__ = [
    "NO_FRESH", "Replicate", "SeedStats", "enqueue_replicates", "fresh_text", "open_replicas",
    "pooled_sd", "replicate_study_name", "seed_stats", "seed_stats_of", "top_configs",
]


def replicate_study_name(study_name: str) -> str:
    return f"{study_name}-replicates"


@dataclass(frozen=True)
class Replicate:
    """One rerun: the trial it replicates, its parameters and its seed."""

    of: int
    params: dict[str, Any]
    seed: int


def top_configs(study: optuna.Study, k: int) -> list[tuple[int, dict[str, Any]]]:
    """The best ``k`` distinct COMPLETE configs of ``study`` and each budget's best config:
    (trial number, parameters), best first."""
    ranked = best_first(study, study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    seen: set[tuple[tuple[str, str], ...]] = set()
    chosen: list[tuple[int, dict[str, Any]]] = []
    budgets: set[Any] = set()
    for trial in ranked:
        key = tuple(sorted((k2, repr(v)) for k2, v in config_of(trial).items()))
        budget = config_of(trial).get("budget")
        if key not in seen and (len(chosen) < k or budget not in budgets):
            seen.add(key)
            budgets.add(budget)
            chosen.append((trial.number, config_of(trial)))
    return chosen


def enqueue_replicates(replicates: optuna.Study, planned: Sequence[Replicate]) -> int:
    """Enqueue the planned reruns not yet in the replicate study (call under the study lock).

    Returns:
        How many distinct reruns the replicate study holds in all (``n_total`` of its phase).
    """
    present = {(r.replicate_of, r.seed) for r in
               (TrialRecord.from_attrs(t.user_attrs) for t in replicates.get_trials(deepcopy=False))
               if r.stale is not True}
    for rep in planned:
        if (rep.of, rep.seed) not in present:
            record = TrialRecord(replicate_of=rep.of, seed=rep.seed)
            replicates.enqueue_trial(dict(rep.params), user_attrs=record.to_attrs())
    return len(present | {(rep.of, rep.seed) for rep in planned})


NO_FRESH = "selected value only, no fresh seeds"


@dataclass(frozen=True)
class SeedStats:
    """A replicated config's objective: ``selected``, the phase trial's own value, and
    ``fresh``, its reruns' values under further seeds (at least one).

    The selected value won a selection (the config ranked among the phase's best), so it is
    biased upward, and so is its distance from the others: the winner's curse, which grows with
    the number of trials searched. The fresh seeds took part in no selection, so the mean, the
    SD and the count come from them alone; the selected value is shown beside them, never
    pooled with them.
    """

    trial: int
    selected: float
    fresh: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.fresh:
            raise ValueError(f"trial {self.trial}: no fresh values; an unreplicated trial has "
                             "no SeedStats")

    @property
    def n(self) -> int:
        """How many fresh seeds."""
        return len(self.fresh)

    @property
    def mean(self) -> float:
        """Mean over the fresh seeds."""
        return statistics.fmean(self.fresh)

    @property
    def sd(self) -> float:
        """Sample standard deviation over the fresh seeds; NaN with fewer than two."""
        return statistics.stdev(self.fresh) if self.n >= 2 else float("nan")

    def text(self) -> str:
        """``0.7000 ± 0.0141 over 2 fresh seeds (selected 0.7200)``: how every table shows it."""
        return fresh_text(self.mean, self.sd, self.n, self.selected)


def fresh_text(mean: float, sd: float, n: int, selected: float) -> str:
    """A fresh-seed mean with its SD and count, the selected value beside it (see
    :class:`SeedStats`); for a trials table's ``seed_mean``, ``seed_sd``, ``seed_n`` and
    ``value``."""
    spread = "" if math.isnan(sd) else f" ± {sd:.4f}"
    seeds = f"{n} fresh seed{'s' if n != 1 else ''}"
    return f"{mean:.4f}{spread} over {seeds} (selected {selected:.4f})"


def seed_stats(study: optuna.Study, replicas: optuna.Study | None) -> dict[int, SeedStats]:
    """Trial number -> its selected value and fresh seeds, for every trial that has COMPLETE
    replicates."""
    if replicas is None:
        return {}
    complete = (TrialState.COMPLETE,)
    reruns = [(TrialRecord.from_attrs(rep.user_attrs).replicate_of, rep.value)
              for rep in replicas.get_trials(deepcopy=False, states=complete)]
    values = {t.number: t.value for t in study.get_trials(deepcopy=False, states=complete)}
    return seed_stats_of(values, reruns)


def seed_stats_of(values: Mapping[int, float | None],
                  reruns: Iterable[tuple[int | None, float | None]]) -> dict[int, SeedStats]:
    """The rule behind :func:`seed_stats`, on plain values: ``values`` maps each COMPLETE trial
    of the phase to its objective (its selected value), ``reruns`` holds each COMPLETE
    replicate's ``replicate_of`` and objective (the fresh values). A rerun of a trial that is
    not COMPLETE in the phase is left out; a trial without reruns has no entry."""
    by_trial: dict[int, list[float]] = {}
    for of, value in reruns:
        if of is not None and value is not None:
            by_trial.setdefault(of, []).append(float(value))
    stats = {}
    for n, runs in sorted(by_trial.items()):
        if n in values:
            selected = values[n]
            stats[n] = SeedStats(n, float("nan") if selected is None else float(selected),
                                 tuple(runs))
    return stats


def pooled_sd(stats: Sequence[SeedStats]) -> float:
    """The seed noise pooled over replicated configs: sqrt of the mean within-config variance
    of their fresh seeds (configs with at least two); NaN where none has two. Selected values
    take no part: their distance from the fresh ones is inflated by the selection."""
    with_spread = [s for s in stats if s.n >= 2]
    if not with_spread:
        return float("nan")
    return float((sum(s.sd ** 2 for s in with_spread) / len(with_spread)) ** 0.5)


def open_replicas(storage: str, study_name: str) -> optuna.Study | None:
    """The replicate study of ``study_name``, if it has one (opened read-only)."""
    from budget_hpo.search.storage import open_storage

    name = replicate_study_name(study_name)
    if name not in optuna.get_all_study_names(open_storage(storage, create=False)):
        return None  # names only: a study's summary would read all of its trials
    return optuna.load_study(study_name=name, storage=open_storage(storage, create=False))

"""Seed replicates: the best configs of a finished phase, rerun with further model seeds.

When a phase ends (converged or out of trials), the top ``search.replicates.top_k`` distinct
COMPLETE configs, and the best config of every budget not among them (so that budgets are
compared on equal terms), are rerun with ``search.replicates.seeds`` further seeds (the phase's
seed plus 1, 2, ...; the data unchanged). They live in their own study, ``<study>-replicates``, in
the same storage, each tagged ``replicate_of`` its trial: so they never count towards
``n_trials``, never enter the early-stop rule and never enter TPE's history (a second
observation of a point would read to TPE as a narrower, better-known optimum). A killed run
resumes them like any other trial. ``search.replicates.seeds=0`` turns them off.
"""

from __future__ import annotations

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
    "Replicate", "SeedStats", "enqueue_replicates", "open_replicas", "pooled_sd",
    "replicate_study_name", "seed_stats", "seed_stats_of", "top_configs",
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


@dataclass(frozen=True)
class SeedStats:
    """A replicated config's objective over its seeds (the phase's trial and its reruns)."""

    trial: int
    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values)

    @property
    def sd(self) -> float:
        """Sample standard deviation over seeds (0.0 with a single value)."""
        return statistics.stdev(self.values) if len(self.values) >= 2 else 0.0


def seed_stats(study: optuna.Study, replicas: optuna.Study | None) -> dict[int, SeedStats]:
    """Trial number -> its objective over seeds, for every trial that has COMPLETE replicates."""
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
    of the phase to its objective, ``reruns`` holds each COMPLETE replicate's ``replicate_of``
    and objective. A rerun of a trial that is not COMPLETE in the phase is left out."""
    by_trial: dict[int, list[float]] = {}
    for of, value in reruns:
        if of is not None and value is not None:
            by_trial.setdefault(of, []).append(float(value))
    return {n: SeedStats(n, (float(values[n] or 0.0), *runs))
            for n, runs in sorted(by_trial.items()) if n in values}


def pooled_sd(stats: Sequence[SeedStats]) -> float:
    """The seed noise pooled over replicated configs: sqrt of the mean within-config variance."""
    with_spread = [s for s in stats if len(s.values) > 1]
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

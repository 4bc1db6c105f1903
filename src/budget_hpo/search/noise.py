"""``search.early_stop.threshold: auto``: the seed noise, measured when a phase starts.

The first forced config is rerun with ``search.early_stop.noise_seeds`` further model seeds (the
phase's seed plus 1, 2, ...; the data unchanged) as seed replicates of its trial, in the
``<study>-replicates`` study (:mod:`budget_hpo.search.replicates`): they never count towards
``n_trials``, the early stop or TPE's history, a killed run resumes them, and the end-of-phase
replicates reuse them when that config ranks among the best. The threshold is
``noise_factor`` times the standard deviation of their objective values, recorded on the phase's
study as a :class:`budget_hpo.records.NoiseRecord`.
"""

from __future__ import annotations

import optuna
from optuna.trial import TrialState

from budget_hpo.records import NoiseRecord, TrialRecord
from budget_hpo.schema import EarlyStopConfig
from budget_hpo.search.heartbeat import config_of
from budget_hpo.search.replicates import Replicate

__all__ = ["measure_noise", "noise_plan"]


def noise_plan(study: optuna.Study, forced_id: str, rule: EarlyStopConfig,
               seed: int) -> list[Replicate]:
    """The reruns that measure the noise: the forced config ``forced_id`` (its original trial,
    enqueued already) with seeds ``seed + 1`` ... ``seed + noise_seeds``."""
    trial = min((t for t in study.get_trials(deepcopy=False)
                 if TrialRecord.from_attrs(t.user_attrs).forced_id == forced_id),
                key=lambda t: t.number)
    return [Replicate(trial.number, config_of(trial), seed + i)
            for i in range(1, rule.noise_seeds + 1)]


def measure_noise(replicas: optuna.Study, plan: list[Replicate], factor: float) -> NoiseRecord:
    """The planned reruns' COMPLETE values as a record (its threshold: ``factor`` x their SD;
    NaN, so the rule cannot fire, with fewer than two)."""
    wanted = {(rep.of, rep.seed) for rep in plan}
    values = []
    for trial in replicas.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        record = TrialRecord.from_attrs(trial.user_attrs)
        if (record.replicate_of, record.seed) in wanted and trial.value is not None:
            wanted.discard((record.replicate_of, record.seed))
            values.append(float(trial.value))
    return NoiseRecord(plan[0].of, tuple(values), factor)

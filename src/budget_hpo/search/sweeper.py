"""The phase sweeper: hydra-optuna-sweeper's ``OptunaSweeperImpl``, extended for the seed strategy.

It reuses the plugin's parsing of ``hydra.sweeper.params`` into Optuna distributions, its trial
configuration and its launcher, and replaces only the batch loop, which lacks what a phase needs:

* the forced configs are enqueued first, in order, once per study (``search.forced``);
* ``search.budgets`` restricts the forced configs and becomes TPE's ``budget`` choice;
* ``n_trials`` is the study's total: a rerun continues the study and runs only what is missing;
* workers may share one study: a lock serialises enqueueing and admission, and a dead worker's
  trial is failed and its config retried (:mod:`budget_hpo.search.heartbeat`);
* outcomes, pruned, failed or lost to the launcher, are told (:mod:`budget_hpo.search.outcomes`);
* the early-stop rule in force is applied before every launch (``threshold: auto`` measures the
  seed noise first, :mod:`.noise`);
* the best configs are rerun with further seeds when the phase ends (:mod:`.replicates`);
* job folders are numbered by trial number, so a rerun never overwrites an earlier job's folder.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import optuna
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from hydra_plugins.hydra_optuna_sweeper._impl import (
    OptunaSweeperImpl,
    create_params_from_overrides,
)
from omegaconf import DictConfig, OmegaConf
from optuna.distributions import BaseDistribution

from budget_hpo.budget_counts import budget_grid
from budget_hpo.compose import variants_in_app
from budget_hpo.dataset_names import dataset_name
from budget_hpo.errors import ConfigError
from budget_hpo.natural_sort import natural_key
from budget_hpo.records import DatasetRecord, LineageRecord, ModelRecord, TrialRecord
from budget_hpo.schema import Config, typed_config
from budget_hpo.search.faults import kill_point
from budget_hpo.search.first_trial import enqueue_first, first_trial_params
from budget_hpo.search.forced import forced_params, forced_trials
from budget_hpo.search.heartbeat import Heartbeat, fail_stale
from budget_hpo.search.jobs import job_dir, job_overrides, launch_numbered
from budget_hpo.search.noise import measure_noise, noise_plan
from budget_hpo.search.outcomes import from_return, recovered, tell
from budget_hpo.search.replicates import (
    Replicate,
    enqueue_replicates,
    replicate_study_name,
    top_configs,
)
from budget_hpo.search.results import RESULTS_FILE, write_results
from budget_hpo.search.space import check_space, search_params
from budget_hpo.search.storage import display_url, open_study, storage_kind, study_lock
from budget_hpo.search.study import (
    check_failure_share,
    claim_phase_end,
    counted_trials,
    enqueue_forced,
    record_once,
    running_trials,
    update_early_stop,
)
from budget_hpo.trial.validation import check_search, is_auto

__all__ = ["BudgetSweeperImpl"]

log = logging.getLogger(__name__)

# Heartbeats are driven here (search.heartbeat), not by Study.optimize; a forced config may lie
# outside TPE's space by design (the demo's). Optuna's warnings on both say nothing to a user.
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
warnings.filterwarnings("ignore", message="Heartbeat of storage|Fixed parameter .* out of range")

SAMPLER_WHITELIST = ("hydra_plugins.hydra_optuna_sweeper.*", "optuna.samplers.*")


def _describe(sampler: Any) -> str:
    """``TPESampler(n_startup_trials=9, multivariate=True, constant_liar=True)`` for the log."""
    keys = ("_n_startup_trials", "_multivariate", "_constant_liar", "_group")
    found = {k.lstrip("_"): getattr(sampler, k) for k in keys if hasattr(sampler, k)}
    return f"{type(sampler).__name__}({', '.join(f'{k}={v}' for k, v in found.items())})"


class BudgetSweeperImpl(OptunaSweeperImpl):
    """See the module docstring. Constructed by ``hydra_plugins.budget_hpo_plugins.sweeper``."""

    def __init__(self, sampler: DictConfig, max_failure_rate: float, **kwargs: Any) -> None:
        if max_failure_rate != 0.0:  # the plugin's knob; a phase has one failure limit
            raise ConfigError("hydra.sweeper.max_failure_rate", max_failure_rate,
                              "0.0 (the failure limit of a phase is search.max_failure_share)")
        super().__init__(sampler=None, max_failure_rate=max_failure_rate, **kwargs)
        self.sampler_config = sampler

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        self.settings: Config = typed_config(config)
        directions = self._get_directions()
        if len(directions) != 1:
            raise ConfigError("hydra.sweeper.direction", directions, "one direction")
        self.direction = directions[0]
        budgets = sorted(hydra_context.config_loader.get_group_options("budget"), key=natural_key)
        check_search(self.settings, n_trials=self.n_trials, n_jobs=self.n_jobs,
                     direction=self.direction, budgets=budgets)
        self.kind = storage_kind(str(self.storage))  # a malformed or lock-less one: refused
        search = self.settings.search
        self.grid = budget_grid(search.budgets, budgets)  # options, sorted by count (5e6 -> 5M)
        self.forced = forced_trials(self.settings.forced, self.grid) if search.forced else []
        sampler = OmegaConf.to_container(self.sampler_config, resolve=True)
        assert isinstance(sampler, dict)
        if "n_startup_trials" in sampler and self.forced:
            sampler["n_startup_trials"] = len(self.forced) + search.random_startup  # + random
        self.sampler = instantiate(sampler, _execution_whitelist_=SAMPLER_WHITELIST)
        data = self.settings.data
        self.dataset = dataset_name(data.name, config.hydra.runtime.choices.get("data"),
                                    data.path, data.paths)

    def _configure_trials(
        self, trials: list[optuna.Trial], search_space_distributions: dict[str, BaseDistribution],
        fixed_params: dict[str, Any], fixed_overrides: list[str],
    ) -> Sequence[Sequence[str]]:
        """The plugin's, except that the sweep's fixed arguments reach the jobs as overrides only:
        the plugin would also set each one as a user attribute of every trial, where
        ``forced=seed18`` or ``model=tiny`` would read as the trial's own record fields
        (:class:`TrialRecord`: ``forced``, ``model``) and mark every trial forced."""
        fixed = [f"{name}={value}" for name, value in fixed_params.items()]
        return super()._configure_trials(trials, search_space_distributions, {},
                                         [*fixed, *fixed_overrides])

    def _parse_sweeper_params_config(self) -> list[str]:
        space = search_params(self.params, self.grid)
        return [f"{k}={v}" for k, v in space.items()]

    def _forced_configs(self) -> list[Config]:
        """Each forced config's job config: this sweep's fixed arguments with its group choices
        (:func:`budget_hpo.compose.variants_in_app`: two compositions, not one each). The base
        is the sweep's own typed config: Hydra composed it from the fixed arguments alone (a
        multirun's master config leaves the sweep overrides to the jobs)."""
        fixed = [o.input_line for o in OverridesParser.create().parse_overrides(self.arguments)
                 if not o.is_sweep_override() and o.input_line]
        return variants_in_app(fixed, [t.choices() for t in self.forced], full=self.settings)

    def sweep(self, arguments: list[str]) -> None:
        assert self.config is not None
        results = Path(str(self.config.hydra.sweep.dir)) / RESULTS_FILE
        results.unlink(missing_ok=True)  # written again only if this phase ends normally
        self.arguments = list(arguments)
        self._process_searchspace_config()
        space, fixed, fixed_overrides = create_params_from_overrides(
            [*self._parse_sweeper_params_config(), *arguments]
        )
        for name in fixed:
            space.pop(name, None)
        self.space = (space, fixed, fixed_overrides)
        study = self._open_study(space)
        if is_auto(self.settings.search.early_stop):
            self._measure_noise(study)
        self._run_phase(study, self.n_trials)
        settings, seed = self.settings.search.replicates, self.settings.seed
        if settings.seeds:
            self._replicate(study, [Replicate(number, params, seed + i)
                                    for number, params in top_configs(study, settings.top_k)
                                    for i in range(1, settings.seeds + 1)], "seed replicates")
        self._write_results(study)

    def _run_phase(self, study: optuna.Study, n_total: int, replicates: bool = False) -> None:
        """Ask, launch and tell until ``n_total`` trials count (or the early stop fires)."""
        while True:
            trials = self._admit(study, n_total, early_stop=not replicates)
            if trials is None:
                return
            if not trials:  # others' trials may still fail (their retries run here): wait
                time.sleep(float(self.settings.search.heartbeat_interval))
                continue
            self._run_batch(study, trials, replicates)

    def _replicate(self, study: optuna.Study, plan: list[Replicate], why: str) -> optuna.Study:
        """Run the planned reruns of ``study``'s trials in ``<study>-replicates``."""
        url, name = str(self.storage), replicate_study_name(str(self.study_name))
        with study_lock(url, name):
            replicas = open_study(url, name, search=self.settings.search, direction=self.direction,
                                  sampler=optuna.samplers.RandomSampler(self.settings.seed))
            total = enqueue_replicates(replicas, plan)
        log.info("%s: %d reruns in study %s", why, len(plan), name)
        self._run_phase(replicas, total, replicates=True)
        return replicas

    def _measure_noise(self, study: optuna.Study) -> None:
        """``threshold: auto``: rerun the first forced config with further seeds; record the
        threshold their spread sets (:mod:`budget_hpo.search.noise`)."""
        rule = self.settings.search.early_stop
        plan = noise_plan(study, self.forced[0].id, rule, self.settings.seed)
        replicas = self._replicate(study, plan, "seed noise for threshold=auto")
        noise = measure_noise(replicas, plan, rule.noise_factor)
        with study_lock(str(self.storage), study.study_name):
            for key, value in noise.to_attrs().items():
                study.set_user_attr(key, value)
        log.info("threshold=auto: seed SD %.4f over %d seeds of trial %d (%s): threshold %.4f%s",
                 noise.sd, len(noise.values), noise.of, self.forced[0].id, noise.threshold,
                 "" if len(noise.values) >= 2 else ": fewer than 2 completed, no early stop")

    def _open_study(self, space: dict[str, BaseDistribution]) -> optuna.Study:
        """Open (or create) the study, refuse a changed space, fail a dead worker's trials,
        enqueue the forced configs."""
        params = forced_params(self._forced_configs(), self.forced, space)
        url, name = str(self.storage), str(self.study_name)
        search = self.settings.search
        first = first_trial_params(search.first_trial, space)
        with study_lock(url, name):  # also serialises schema creation
            study = open_study(url, name, search=search, direction=self.direction,
                               sampler=self.sampler)
            check_space(study, space)
            record_once(study, DatasetRecord(self.dataset), ModelRecord(self.settings.model.name),
                        *([LineageRecord(search.parent)] if search.parent else []))
            fail_stale(study, self.kind.liveness(study), search.max_retries)
            added = enqueue_forced(study, self.forced, params) + enqueue_first(study, first)
        log.info(
            "study %s in %s: %d of n_trials=%d done, %d running elsewhere; %d forced configs "
            "enqueued", name, display_url(url), len(counted_trials(study)), self.n_trials,
            len(running_trials(study)), len(added),
        )
        log.info("search space: %s", {k: repr(v) for k, v in space.items()})
        log.info("sampler: %s", _describe(self.sampler))
        return study

    def _admit(self, study: optuna.Study, n_total: int, early_stop: bool = True
               ) -> list[optuna.Trial] | None:
        """Under the lock: the next trials to run; [] to wait for others; None when done."""
        search = self.settings.search
        with study_lock(str(self.storage), study.study_name):
            fail_stale(study, self.kind.liveness(study), search.max_retries)
            verdict = update_early_stop(study, search.early_stop, self.direction)
            if early_stop and search.early_stop.enabled and verdict.converged:
                log.info("study has converged (top %d within %.4f after %d complete trials): "
                         "stopping", search.early_stop.top_k, verdict.spread, verdict.n_complete)
                return None
            running = len(running_trials(study))
            free = n_total - len(counted_trials(study)) - running
            trials = [study.ask() for _ in range(min(self.n_jobs, max(free, 0)))]
            Heartbeat(self.kind.liveness(study), [t._trial_id for t in trials]).beat()
        if trials:
            kill_point("after_ask")
        if not trials and running == 0:
            return None
        return trials

    def _run_batch(self, study: optuna.Study, trials: list[optuna.Trial], replicates: bool) -> None:
        """Launch one batch with heartbeats, tell every result, then check the stop rules."""
        overrides = [(*o, *self._job_overrides(t, replicates))
                     for o, t in zip(self._configure_trials(trials, *self.space), trials,
                                     strict=True)]
        numbers = [t.number for t in trials]
        with Heartbeat(self.kind.liveness(study), [t._trial_id for t in trials]):
            try:
                outcomes = [from_return(r) for r in self._launch(overrides, numbers)]
            except Exception as err:  # the launcher itself failed: keep what the jobs wrote
                log.warning("the launcher failed (%s): recovering the batch's results",
                            str(err).splitlines()[0] if str(err) else type(err).__name__)
                outcomes = [recovered(self._job_dir(n, replicates), err) for n in numbers]
        kill_point("after_launch")
        for trial, outcome in zip(trials, outcomes, strict=True):
            tell(study, trial, outcome)
            kill_point("after_tell")
        if not replicates:
            update_early_stop(study, self.settings.search.early_stop, self.direction)
        check_failure_share(study, self.settings.search)

    def _job_overrides(self, trial: optuna.Trial, replicates: bool) -> tuple[str, ...]:
        """A job's own overrides (:func:`budget_hpo.search.jobs.job_overrides`)."""
        return job_overrides(trial.number, TrialRecord.from_attrs(trial.user_attrs), replicates,
                             self.settings.data.generator)

    def _job_dir(self, number: int, replicates: bool = False) -> Path:
        """The folder of the job that runs trial ``number`` (hydra.sweep.dir/<job number>)."""
        assert self.config is not None
        return job_dir(Path(str(self.config.hydra.sweep.dir)), number, replicates)

    def _launch(self, overrides: list[tuple[str, ...]], numbers: list[int]) -> Sequence[JobReturn]:
        """Launch with job numbers equal to trial numbers (unique within the study)."""
        assert self.launcher is not None
        return launch_numbered(self.launcher, overrides, numbers)

    def _write_results(self, study: optuna.Study) -> None:
        assert self.config is not None
        with study_lock(str(self.storage), str(self.study_name)):
            phase_end = claim_phase_end(study, self.settings.search.grace_period)
        write_results(study, str(self.storage), phase_end,
                      Path(str(self.config.hydra.sweep.dir)) / RESULTS_FILE)

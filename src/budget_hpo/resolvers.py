"""The OmegaConf resolvers budget-hpo's configs use: ``${budget_hpo.dataset:...}`` and
``${budget_hpo.family:...}`` in study names, and ``${budget_hpo.threads_per_job:}`` for the
trainer's threads. Light to import: the search path plugin registers them at each Hydra start-up."""

from __future__ import annotations

import os
from typing import Any

from budget_hpo.dataset_names import dataset_name, family_suffix

__all__ = ["DATASET_RESOLVER", "FAMILY_RESOLVER", "THREADS_RESOLVER", "register_resolvers",
           "threads_per_job"]

DATASET_RESOLVER = "budget_hpo.dataset"  # ${budget_hpo.dataset:name,choice,path,paths}
FAMILY_RESOLVER = "budget_hpo.family"  # ${budget_hpo.family:${model.name}}: -<model> or nothing
THREADS_RESOLVER = "budget_hpo.threads_per_job"  # ${budget_hpo.threads_per_job:}


def threads_per_job(jobs: int | None = None) -> int:
    """CPU threads for each of ``jobs`` trials training at once on this machine: the cores this
    process may use, shared out (at least 1). ``jobs`` defaults to the sweep's
    ``hydra.sweeper.n_jobs`` under the joblib launcher (the one that runs a batch's trials in
    parallel here), else 1: the basic launcher runs them one after another, SLURM on their own
    nodes, and a composed config (the plan, tests) is one job."""
    if jobs is None:
        from hydra.core.hydra_config import HydraConfig

        hydra = HydraConfig.get() if HydraConfig.initialized() else None
        parallel = hydra is not None and "Joblib" in str(hydra.launcher.get("_target_", ""))
        jobs = int(hydra.sweeper.get("n_jobs") or 1) if hydra is not None and parallel else 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, (cores or 1) // max(1, jobs))


def register_resolvers() -> None:
    """Register ``${budget_hpo.dataset:...}`` (see :func:`dataset_name`) and
    ``${budget_hpo.threads_per_job:}`` (see :func:`threads_per_job`) once per process."""
    from omegaconf import OmegaConf

    def resolve(name: Any = None, choice: Any = None, path: Any = None, paths: Any = None) -> str:
        return dataset_name(name, choice, path, list(paths) if paths else None)

    if not OmegaConf.has_resolver(DATASET_RESOLVER):
        OmegaConf.register_resolver(DATASET_RESOLVER, resolve, annotation_validation="off")
    if not OmegaConf.has_resolver(FAMILY_RESOLVER):
        OmegaConf.register_resolver(FAMILY_RESOLVER, lambda model: family_suffix(str(model)))
    if not OmegaConf.has_resolver(THREADS_RESOLVER):
        OmegaConf.register_resolver(THREADS_RESOLVER, lambda: threads_per_job())

"""The TPE search space of a phase: ``hydra.sweeper.params`` plus the budget choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, distribution_to_json

from budget_hpo.errors import ConfigError
from budget_hpo.records import SpaceRecord

__all__ = ["check_space", "search_params", "space_changes"]


def search_params(params: Mapping[str, Any] | None, budgets: Sequence[str]) -> dict[str, str]:
    """Name -> Hydra sweep expression, ``budget`` first as ``choice(<search.budgets>)``.

    The budget dimension always follows ``search.budgets`` (the seed's ``--budgets``), so a budget
    subset restricts TPE as well as the forced configs; a ``budget`` entry in ``params`` is
    replaced.
    """
    space = {"budget": f"choice({','.join(budgets)})"}
    space.update({str(k): str(v) for k, v in (params or {}).items() if str(k) != "budget"})
    return space


def space_changes(recorded: Mapping[str, str], current: Mapping[str, BaseDistribution]) -> str:
    """How ``current`` differs from the space a study began with ('' when it does not)."""
    from optuna.distributions import json_to_distribution

    changes = []
    for name in sorted(set(recorded) | set(current)):
        before = json_to_distribution(recorded[name]) if name in recorded else None
        now = current.get(name)
        if before != now:
            changes.append(f"{name} was {_show(before)}, now {_show(now)}")
    return "; ".join(changes)


def check_space(study: optuna.Study, space: Mapping[str, BaseDistribution]) -> None:
    """Record the space of a new study; refuse to continue one with another space (under the
    study lock)."""
    current = {k: distribution_to_json(v) for k, v in space.items()}
    recorded = SpaceRecord.from_study_attrs(study.user_attrs)
    if recorded is None:
        if not study.get_trials(deepcopy=False):
            for key, value in SpaceRecord(current).to_attrs().items():
                study.set_user_attr(key, value)
        return
    changes = space_changes(recorded.params, space)
    if changes:
        raise ConfigError(
            "hydra.sweeper.params / search.budgets", changes,
            f"the space study {study.study_name} began with: rerun with its values, or "
            f"start a new study (hydra.sweeper.study_name={study.study_name}-2)")


def _show(dist: BaseDistribution | None) -> str:
    if dist is None:
        return "absent"
    if isinstance(dist, CategoricalDistribution):
        return f"choice({', '.join(str(c) for c in dist.choices)})"
    low, high = getattr(dist, "low", None), getattr(dist, "high", None)
    log = " log" if getattr(dist, "log", False) else ""
    return f"[{low}, {high}]{log}"

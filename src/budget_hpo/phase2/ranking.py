"""Which budgets earn a phase-2 search: a pure, tested rule.

Rank budgets by their best COMPLETE objective value (the best is the highest when maximising, the
lowest when minimising); break ties by the mean of each budget's best three values (fewer if it
has fewer); then by budget name, so the order is total. Failed, pruned and running trials have no
value and do not take part. A seed-replicated config takes part by its fresh-seed mean
(:func:`seed_ranked`), never by the value that won its selection.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from budget_hpo.errors import ConfigError

__all__ = [
    "RULE_TEXT", "BudgetRank", "TrialOutcome", "rank_budgets", "seed_ranked", "top_budgets",
]

RULE_TEXT = (
    "rank budgets by their best COMPLETE objective (direction-aware; where a budget has "
    "seed-replicated configs, only those, each by its fresh-seed mean), break ties by the mean of "
    "each budget's best three"
)


@dataclass(frozen=True)
class TrialOutcome:
    """What the rule needs of one finished trial."""

    number: int
    budget: str
    value: float | None  # None: failed, pruned or running


@dataclass(frozen=True)
class BudgetRank:
    budget: str
    best_value: float
    best_trial: int
    mean_top3: float
    n_complete: int


def seed_ranked(values: Sequence[float | None], means: Sequence[float | None],
                groups: Sequence[Hashable]) -> list[float | None]:
    """What ranks each trial: its fresh-seed mean where replicated (``means[i]`` not None: see
    :class:`budget_hpo.search.replicates.SeedStats`), else its value; within a group (equal
    ``groups``) that has replicated trials, only those (None for the rest): a single lucky seed
    does not win, and a replicated config's own value, which won its selection, takes no part.

    Phase 2's budget ranking (groups: budgets) and the report's tables (groups: budget × style,
    ...) both rank through this rule.
    """
    covered = {g for g, m in zip(groups, means, strict=True) if m is not None}
    return [m if m is not None else None if g in covered else v
            for v, m, g in zip(values, means, groups, strict=True)]


def rank_budgets(outcomes: Iterable[TrialOutcome], direction: str) -> list[BudgetRank]:
    """Every budget with at least one complete trial, best first."""
    if direction not in ("maximize", "minimize"):
        raise ConfigError("direction", direction, "maximize | minimize")
    sign = 1.0 if direction == "maximize" else -1.0
    by_budget: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for o in outcomes:
        if o.value is not None and math.isfinite(o.value):
            by_budget[o.budget].append((o.value, o.number))
    ranks = []
    for budget, values in by_budget.items():
        ordered = sorted(values, key=lambda vn: (-sign * vn[0], vn[1]))  # best first, then earliest
        top3 = [v for v, _ in ordered[:3]]
        ranks.append(
            BudgetRank(budget, ordered[0][0], ordered[0][1], sum(top3) / len(top3), len(values))
        )
    return sorted(ranks, key=lambda r: (-sign * r.best_value, -sign * r.mean_top3, r.budget))


def top_budgets(outcomes: Iterable[TrialOutcome], direction: str, count: int) -> list[BudgetRank]:
    """The best ``count`` budgets by :func:`rank_budgets`."""
    if count < 1:
        raise ConfigError("search.phase2.top_budgets", count, "an integer >= 1")
    return rank_budgets(outcomes, direction)[:count]

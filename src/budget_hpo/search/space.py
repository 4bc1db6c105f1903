"""The TPE search space of a phase: ``hydra.sweeper.params`` plus the budget choice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["search_params"]


def search_params(params: Mapping[str, Any] | None, budgets: Sequence[str]) -> dict[str, str]:
    """Name -> Hydra sweep expression, ``budget`` first as ``choice(<search.budgets>)``.

    The budget dimension always follows ``search.budgets`` (the seed's ``--budgets``), so a budget
    subset restricts TPE as well as the forced configs; a ``budget`` entry in ``params`` is
    replaced.
    """
    space = {"budget": f"choice({','.join(budgets)})"}
    space.update({str(k): str(v) for k, v in (params or {}).items() if str(k) != "budget"})
    return space

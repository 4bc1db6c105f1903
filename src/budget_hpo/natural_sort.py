"""Natural sorting of option names: budgets by the count they name, other names alphabetically."""

from __future__ import annotations

from budget_hpo.budget_counts import count_or_none

__all__ = ["natural_key"]


def natural_key(name: str) -> tuple[float, str]:
    """Sort key that puts ``750k < 2M < 5e6 < 20M < 200M`` and leaves other names alphabetical."""
    count = count_or_none(name)
    return (float("inf") if count is None else float(count), name)

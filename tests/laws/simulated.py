"""Results simulated from a known law: each budget's fresh seeds with seed noise, and an origin
error shared by its seeds (they are scored on the same origins) with the interval it implies."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from budget_hpo.intervals import Interval
from budget_hpo.laws import BudgetSeeds
from budget_hpo.laws.seeds import Z95

SIZES = tuple(int(n) for n in np.logspace(5, 8, 6))  # 1e5 ... 1e8
FIVE_SIZES = tuple(int(n) for n in np.logspace(5, 8, 5))


def loss_law(n: float) -> float:
    """E + A·N^(−α) with E = 0.5, A = 10, α = 0.3: from 0.82 at 1e5 to 0.54 at 1e8."""
    return 0.5 + 10.0 * n**-0.3


TRUE_ALPHA = 0.3


def simulate(rng: np.random.Generator, law: Callable[[float], float],
             sizes: Sequence[int] = SIZES, *, seed_sd: float = 0.004, origin_sd: float = 0.004,
             seeds: int = 3) -> list[BudgetSeeds]:
    budgets = []
    for n in sizes:
        values = law(n) + rng.normal(0.0, origin_sd) + rng.normal(0.0, seed_sd, seeds)
        half = origin_sd * Z95 / 2
        budgets.append(BudgetSeeds(n, tuple(Interval(float(v), float(v - half), float(v + half))
                                            for v in values)))
    return budgets

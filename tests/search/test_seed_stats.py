"""A replicated config's statistics come from its fresh seeds only: the value that won its
selection is kept beside them, never pooled with them (the winner's curse)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest

from budget_hpo.search.replicates import SeedStats, pooled_sd, seed_stats_of


def test_the_selected_value_is_kept_apart_from_the_fresh_seeds():
    values = {0: 0.80, 1: 0.70, 2: 0.60}
    reruns = [(0, 0.70), (1, 0.69), (0, 0.72), (2, None), (None, 0.9), (7, 0.5)]
    stats = seed_stats_of(values, reruns)
    # trial 2's only rerun has no value, and trial 7 is not COMPLETE in the phase: no entries
    assert stats == {0: SeedStats(0, 0.80, (0.70, 0.72)), 1: SeedStats(1, 0.70, (0.69,))}


def test_mean_sd_and_count_come_from_the_fresh_seeds_alone():
    s = SeedStats(0, selected=0.80, fresh=(0.70, 0.72))
    assert s.mean == pytest.approx(0.71) and s.n == 2  # pooled: 0.7400 over 3
    assert s.sd == pytest.approx(statistics.stdev((0.70, 0.72)))
    assert s.text() == "0.7100 ± 0.0141 over 2 fresh seeds (selected 0.8000)"
    one = SeedStats(1, selected=0.70, fresh=(0.69,))
    assert one.mean == 0.69 and math.isnan(one.sd)  # no SD from one seed, not 0
    assert one.text() == "0.6900 over 1 fresh seed (selected 0.7000)"


def test_a_config_without_fresh_seeds_has_no_stats():
    with pytest.raises(ValueError, match="trial 3: no fresh values"):
        SeedStats(3, selected=0.8, fresh=())


def test_pooled_sd_is_over_fresh_seeds_and_ignores_the_selected_values():
    stats = [SeedStats(0, 0.99, (0.70, 0.72)), SeedStats(1, 0.50, (0.60, 0.64)),
             SeedStats(2, 0.90, (0.50,))]  # one fresh seed: no spread to pool
    assert pooled_sd(stats) == pytest.approx(math.sqrt((0.02**2 / 2 + 0.04**2 / 2) / 2))
    assert math.isnan(pooled_sd([SeedStats(0, 0.9, (0.5,))]))


def simulated_biases(n_configs: int, draws: int = 500, fresh_seeds: int = 2,
                     seed_sd: float = 0.01, seed: int = 0) -> dict[str, np.ndarray]:
    """Many draws of a search with a known truth: ``n_configs`` true means drawn from a normal
    (SD 0.01), each observed once with seed noise, the best observed selected and rerun with
    ``fresh_seeds`` fresh seeds. Per draw, each estimate minus the selected config's true mean,
    every estimate read from :func:`seed_stats_of` as the product computes it."""
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {"selected": [], "pooled": [], "fresh": []}
    for _ in range(draws):
        truth = rng.normal(0.75, 0.01, n_configs)
        observed = truth + rng.normal(0.0, seed_sd, n_configs)
        best = int(np.argmax(observed))
        reruns = [(best, float(v)) for v in truth[best] + rng.normal(0.0, seed_sd, fresh_seeds)]
        stats = seed_stats_of(dict(enumerate(observed.tolist())), reruns)[best]
        pooled = statistics.fmean((stats.selected, *stats.fresh))
        for key, estimate in (("selected", stats.selected), ("pooled", pooled),
                              ("fresh", stats.mean)):
            out[key].append(estimate - truth[best])
    return {key: np.array(v) for key, v in out.items()}


def test_the_fresh_seed_mean_is_free_of_the_winners_curse_and_the_pooled_mean_is_not():
    bias = simulated_biases(n_configs=30)
    fresh, pooled = bias["fresh"], bias["pooled"]
    se = fresh.std(ddof=1) / math.sqrt(len(fresh))
    assert abs(fresh.mean()) < 2 * se  # unbiased, over 500 draws
    # selecting the best of 30 puts the selected value ~0.014 above its config's truth; pooled
    # with two fresh seeds that is ~0.005, many standard errors clear of zero
    assert bias["selected"].mean() > 0.01
    assert pooled.mean() > 0.003 and pooled.mean() > 8 * pooled.std(ddof=1) / math.sqrt(500)


def test_the_curse_grows_with_the_number_of_configs_searched():
    few, many = simulated_biases(n_configs=5), simulated_biases(n_configs=100)
    assert many["pooled"].mean() > few["pooled"].mean() + 0.001
    for bias in (few["fresh"], many["fresh"]):
        assert abs(bias.mean()) < 2 * bias.std(ddof=1) / math.sqrt(len(bias))

"""The baselines' cache: scores computed once per data, splits and horizon, reused in memory and
through the cache folder (by another process too), and a bad file recomputed."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from budget_hpo.trial.baseline_cache import (
    STATS,
    all_scores,
    cache_key,
    cache_path,
    cached_scores,
    clear_memory,
)
from budget_hpo.trial.baselines import Baseline, baseline_names, naive_scores, registered
from budget_hpo.trial.evaluation import make_splits
from budget_hpo.trial.run import prepare_data, run_trial
from tests.helpers import SMALL

CALLS: list[int] = []


def counted(values, splits, horizon, origins):
    CALLS.append(len(origins))
    return naive_scores(values, splits, horizon, origins)


@pytest.fixture
def counting():
    """A baseline that counts its computations, registered for one test."""
    CALLS.clear()
    clear_memory()
    with registered(Baseline("counted", "naive, counted", "k", counted)) as baseline:
        yield baseline


def panel(length=300, n_series=3, seed=0):
    values = np.random.default_rng(seed).standard_normal((length, n_series))
    splits = make_splits(length, 1, 60, 60, 1)
    return values, splits, np.concatenate([splits.val_origins, splits.test_origins])


def test_the_key_changes_with_data_splits_horizon_origins_version_and_code(counting):
    values, splits, origins = panel()
    key = cache_key(counting, values, splits, 1, origins)
    assert cache_key(counting, values.copy(), splits, 1, origins.copy()) == key
    changed = values.copy()
    changed[5, 1] += 1e-12
    other = make_splits(300, 1, 50, 70, 1)
    for different in (
        cache_key(counting, changed, splits, 1, origins),
        cache_key(counting, values, other, 1, origins),
        cache_key(counting, values, splits, 2, origins),
        cache_key(counting, values, splits, 1, origins[:-1]),
        cache_key(replace(counting, version=2), values, splits, 1, origins),
        cache_key(replace(counting, name="other"), values, splits, 1, origins),
        cache_key(replace(counting, scores=naive_scores), values, splits, 1, origins),  # code
    ):
        assert different != key


def test_scores_are_computed_once_then_read_from_memory_then_from_the_folder(counting,
                                                                             tmp_path):
    values, splits, origins = panel()
    first = cached_scores(counting, values, splits, 1, origins, tmp_path)
    assert CALLS == [len(origins)]
    again = cached_scores(counting, values, splits, 1, origins, tmp_path)
    assert CALLS == [len(origins)] and again is first  # memory
    clear_memory()  # as a fresh worker process would start
    hits = STATS.disk_hits
    from_file = cached_scores(counting, values, splits, 1, origins, tmp_path)
    assert CALLS == [len(origins)] and STATS.disk_hits == hits + 1
    np.testing.assert_array_equal(from_file, first)
    path = cache_path(tmp_path, counting, cache_key(counting, values, splits, 1, origins))
    assert path.is_file() and [p.name for p in tmp_path.iterdir()] == [path.name]  # no tmp left
    cached_scores(counting, values, splits, 2, origins, tmp_path)  # another horizon: computed
    assert len(CALLS) == 2


@pytest.mark.parametrize("content", [b"not an array", b"\x93NUMPY\x01\x00v\x00{'descr'",
                                     "wrong shape", "not finite"])
def test_a_corrupt_or_foreign_cache_file_is_recomputed_and_rewritten(counting, tmp_path,
                                                                      content):
    values, splits, origins = panel()
    path = cache_path(tmp_path, counting, cache_key(counting, values, splits, 1, origins))
    if content == "wrong shape":
        np.save(path, np.zeros((3, 3)))
    elif content == "not finite":
        np.save(path, np.full((len(origins), 3), np.nan))
    else:
        path.write_bytes(content)
    scores = cached_scores(counting, values, splits, 1, origins, tmp_path)
    assert len(CALLS) == 1
    np.testing.assert_array_equal(scores, naive_scores(values, splits, 1, origins))
    np.testing.assert_array_equal(np.load(path), scores)  # rewritten whole


def test_without_a_folder_or_with_an_unwritable_one_scores_still_come(counting, tmp_path):
    values, splits, origins = panel()
    cached_scores(counting, values, splits, 1, origins, None)
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    clear_memory()
    scores = cached_scores(counting, values, splits, 1, origins, blocker / "cache")
    assert len(CALLS) == 2 and scores.shape == (len(origins), 3)


@pytest.mark.slow
def test_another_process_reuses_the_folder(tmp_path):
    values, splits, origins = panel(seed=4)
    np.save(tmp_path / "values.npy", values)
    computed = STATS.computed
    all_scores(values, splits, 1, origins, tmp_path / "cache")
    code = (
        "import numpy as np\n"
        "from budget_hpo.trial.baseline_cache import STATS, all_scores\n"
        "from budget_hpo.trial.evaluation import make_splits\n"
        f"values = np.load({str(tmp_path / 'values.npy')!r})\n"
        "splits = make_splits(300, 1, 60, 60, 1)\n"
        "origins = np.concatenate([splits.val_origins, splits.test_origins])\n"
        f"all_scores(values, splits, 1, origins, {str(tmp_path / 'cache')!r})\n"
        "print(STATS.computed, STATS.disk_hits)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert STATS.computed == computed + len(baseline_names())
    assert proc.stdout.split() == ["0", str(len(baseline_names()))]  # read, none computed


@pytest.mark.slow
def test_the_second_trial_on_the_same_data_computes_no_baseline(compose_cfg, tmp_path):
    """Two trials of a study (another lr, the same data): the second reuses every baseline's
    scores; a worker that starts afresh reads them from the cache folder."""
    clear_memory()
    cfg = compose_cfg([*SMALL, f"objective.baseline_cache={tmp_path / 'cache'}"])
    first = run_trial(cfg)
    computed, memory = STATS.computed, STATS.memory_hits
    second = run_trial(replace(cfg, regularization=replace(cfg.regularization, lr=1e-3)))
    assert STATS.computed == computed and STATS.memory_hits == memory + len(baseline_names())
    assert second.lr == 1e-3 and second.val_auc != first.val_auc  # another trial
    for name in baseline_names():
        assert getattr(second, f"{name}_val_auc") == getattr(first, f"{name}_val_auc")
    assert len(list((tmp_path / "cache").glob("*.npy"))) == len(baseline_names())
    clear_memory()  # a fresh worker: the files, not memory
    panel, splits = prepare_data(cfg)
    disk = STATS.disk_hits
    all_scores(panel.values[: splits.length], splits, cfg.data.horizon,
               np.concatenate([splits.val_origins, splits.test_origins]), tmp_path / "cache")
    assert STATS.computed == computed and STATS.disk_hits == disk + len(baseline_names())

"""Shared fixtures: the real config composed with Hydra's compose API (see helpers.py)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from budget_hpo.config_dirs import package_config_dir
from budget_hpo.schema import Config

from .helpers import BASELINE_CACHE_ENV, compose


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, each worker's torch (and every subprocess it starts) gets its share of
    the cores, not all of them: two workers that each train on every core of a 2-core machine
    slow each other down (a test that sets ``trainer.num_threads`` still gets what it asks)."""
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers:
        share = max(1, (os.cpu_count() or 1) // int(workers))
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, str(share))


# The longest tests first: pytest-xdist hands each worker its share of the queue in this order,
# and the demo (about 3.5 minutes on 2 cores) drawn near the end would run on alone, the other
# worker idle, while the rest of the suite is spread across both.
LONGEST_FIRST = ("tests/test_demo.py", "tests/test_packaging.py", "tests/test_flow.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, path in enumerate(LONGEST_FIRST) if item.nodeid.startswith(path)),
                    len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: the rest keep their order


def _listing() -> list[str]:
    return sorted(str(p) for p in package_config_dir().rglob("*") if "__pycache__" not in p.parts)


@pytest.fixture(scope="session", autouse=True)
def conf_is_left_untouched():
    """No test may write into the project's conf/ (phase-2 files go to temporary folders)."""
    before = _listing()
    yield
    after = _listing()
    assert after == before, f"tests changed conf/: {sorted(set(after) ^ set(before))}"


@pytest.fixture(scope="session", autouse=True)
def shared_baseline_cache(tmp_path_factory):
    """One baseline-cache folder for the whole session, named by the environment (subprocesses
    inherit it): the overrides in ``helpers.SMALL`` point ``objective.baseline_cache`` at it."""
    folder = tmp_path_factory.mktemp("baseline_cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(BASELINE_CACHE_ENV, str(folder))
        yield folder


@pytest.fixture
def compose_cfg() -> Callable[..., Config]:
    return compose

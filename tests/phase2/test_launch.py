"""The phase-2 launch (budget_hpo.phase2.launch): the ``budget-hpo -m`` arguments that run one
written file, whose config dir is the folder above its ``search/`` group and whose option is its
path under ``search/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from budget_hpo.phase2.launch import phase2_command


def test_a_nested_file_runs_from_the_folder_above_search(tmp_path):
    conf = tmp_path / "conf"
    file = conf / "search" / "budget-hpo-demo-x" / "phase2_40k.yaml"
    sweep = tmp_path / "multirun" / "phase2_40k"
    assert phase2_command(file, sweep, ["seed=3", "trainer=smoke"]) == [
        "-m", "--config-dir", str(conf), "search=budget-hpo-demo-x/phase2_40k",
        f"hydra.sweep.dir={sweep}", "seed=3", "trainer=smoke",
    ]


def test_a_file_directly_under_search_and_no_overrides(tmp_path):
    file = tmp_path / "my" / "conf" / "search" / "phase2_2M.yaml"
    assert phase2_command(file, tmp_path / "s") == [
        "-m", "--config-dir", str(tmp_path / "my" / "conf"), "search=phase2_2M",
        f"hydra.sweep.dir={tmp_path / 's'}",
    ]


def test_the_nearest_search_folder_is_the_group(tmp_path):
    """A ``search`` folder higher up is not the group when a nearer one holds the file."""
    conf = tmp_path / "search" / "conf"
    file = conf / "search" / "study" / "phase2_20M.yaml"
    command = phase2_command(file, tmp_path / "s")
    assert command[2:4] == [str(conf), "search=study/phase2_20M"]


@pytest.mark.parametrize("file", [
    Path("/tmp/conf/phase2/phase2_40k.yaml"),
    Path("phase2_40k.yaml"),
    Path("/tmp/conf/searches/x/phase2_40k.yaml"),
], ids=["another group", "bare name", "a folder named like search"])
def test_a_file_not_under_search_is_refused(file):
    with pytest.raises(ValueError, match="not under a search/"):
        phase2_command(file, Path("/tmp/sweep"))

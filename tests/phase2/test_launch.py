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


class _Process:
    """A stand-in for a phase-2 ``budget-hpo -m`` process that logs when it starts and is waited
    on (the scheduling is what is tested here; the real runs are in tests/test_demo.py and the
    wheel test)."""

    def __init__(self, argv, events, codes):
        self.name = next(a for a in argv if a.startswith("search=")).rsplit("/", 1)[-1]
        self.events, self.code = events, codes.get(self.name, 0)
        events.append(("start", self.name))

    def wait(self):
        self.events.append(("wait", self.name))
        return self.code


@pytest.mark.parametrize(("jobs", "order"), [
    (1, ["start a", "wait a", "start b", "wait b", "start c", "wait c"]),  # one after the other
    (2, ["start a", "start b", "wait a", "start c", "wait b", "wait c"]),  # two at a time
    (3, ["start a", "start b", "start c", "wait a", "wait b", "wait c"]),  # all at once
])
def test_run_jobs_files_run_at_once_and_a_failure_leaves_the_others_running(
        tmp_path, monkeypatch, caplog, jobs, order):
    from budget_hpo.phase2 import launch
    from budget_hpo.phase2.writer import WriteOutcome

    events: list[tuple[str, str]] = []
    monkeypatch.setattr(launch.subprocess, "Popen",
                        lambda argv: _Process(argv, events, {"phase2_b": 3}))
    folder = tmp_path / "conf" / "search" / "study"
    outcomes = [WriteOutcome(folder / "phase2_a.yaml", "written"),
                WriteOutcome(folder / "phase2_b.yaml.new", "beside"),  # runs the edited file
                WriteOutcome(folder / "phase2_c.yaml", "unchanged")]
    runs = launch.run_phase2_files(outcomes, tmp_path / "sweep", ["seed=1"], jobs=jobs)
    assert [f"{e} {n.removeprefix('phase2_')}" for e, n in events] == order
    assert [(r.file.name, r.sweep_dir.name, r.returncode) for r in runs] == [
        ("phase2_a.yaml", "phase2_a", 0), ("phase2_b.yaml", "phase2_b", 3),
        ("phase2_c.yaml", "phase2_c", 0)]
    assert "phase 2 of phase2_b.yaml ended with exit code 3" in caplog.text

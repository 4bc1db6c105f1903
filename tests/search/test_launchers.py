"""Launcher presets: what the SLURM preset submits, read from the sbatch script it generates (no
cluster here). Two trials at a time under joblib: tests/search/test_sweep.py."""

from __future__ import annotations

import os

import pytest

from budget_hpo.compose import compose_config


def launcher_cfg(*overrides: str):
    return compose_config(["search=phase1", "hydra/launcher=slurm", *overrides],
                          return_hydra_config=True)


def submission_script(tmp_path, monkeypatch, *overrides: str) -> str:
    """The sbatch script the SLURM preset submits for one job (``sbatch`` never runs)."""
    submitit = pytest.importorskip("submitit")
    from hydra.types import HydraContext
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher
    from omegaconf import OmegaConf

    cfg = launcher_cfg(*overrides, f"hydra.sweep.dir={tmp_path}/sweep")
    assert cfg.hydra.launcher._target_.endswith("SlurmLauncher")
    params = OmegaConf.to_container(cfg.hydra.launcher, resolve=True)
    params.pop("_target_")
    scripts: list[str] = []

    def capture(self, fn, *iterables):  # stands in for sbatch: keep the script, submit nothing
        scripts.append(self._executor._make_submission_file_text("python -u job.py", "test"))
        raise RuntimeError("captured")

    monkeypatch.setattr(submitit.AutoExecutor, "map_array", capture)
    bin_dir = tmp_path / "bin"  # submitit looks for srun before it builds the executor
    bin_dir.mkdir()
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    launcher = SlurmLauncher(**params)
    launcher.setup(hydra_context=HydraContext(config_loader=None, callbacks=None),
                   task_function=lambda c: None, config=cfg)
    with pytest.raises(RuntimeError, match="captured"):
        launcher.launch([["budget=750k"]], initial_job_idx=0)
    (script,) = scripts
    return script


def test_slurm_preset_submits_one_gpu_for_four_hours_by_default(tmp_path, monkeypatch):
    script = submission_script(tmp_path, monkeypatch, "hydra.launcher.partition=gpu",
                               "hydra.launcher.mem_gb=64")
    for line in ("#SBATCH --partition=gpu", "#SBATCH --gpus-per-node=1", "#SBATCH --mem=64GB",
                 "#SBATCH --time=240"):
        assert line in script, line


def test_slurm_preset_generates_the_submission_script(tmp_path, monkeypatch):
    script = submission_script(tmp_path, monkeypatch, "hydra.launcher.partition=gpu",
                               "hydra.launcher.timeout_min=90", "hydra.launcher.mem_gb=48",
                               "hydra.launcher.gpus_per_node=2")
    for line in ("#SBATCH --partition=gpu", "#SBATCH --time=90", "#SBATCH --mem=48GB",
                 "#SBATCH --gpus-per-node=2", "#SBATCH --cpus-per-task=8"):
        assert line in script, line

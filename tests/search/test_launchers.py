"""Launcher presets: the SLURM preset composes and generates its sbatch script (no cluster here)."""

from __future__ import annotations

import os

import pytest

from budget_hpo.compose import compose_config


def launcher_cfg(*overrides: str):
    return compose_config(["search=phase1", "hydra/launcher=slurm", *overrides],
                          return_hydra_config=True)


def test_slurm_preset_composes_with_its_keys():
    cfg = launcher_cfg("hydra.launcher.partition=gpu", "hydra.launcher.mem_gb=64")
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("SlurmLauncher")
    assert (launcher.partition, launcher.gpus_per_node, launcher.mem_gb, launcher.timeout_min) == (
        "gpu", 1, 64, 240)


def test_slurm_preset_generates_the_submission_script(tmp_path, monkeypatch):
    submitit = pytest.importorskip("submitit")
    from hydra.types import HydraContext
    from hydra_plugins.hydra_submitit_launcher.submitit_launcher import SlurmLauncher
    from omegaconf import OmegaConf

    cfg = launcher_cfg("hydra.launcher.partition=gpu", "hydra.launcher.timeout_min=90",
                       "hydra.launcher.mem_gb=48", "hydra.launcher.gpus_per_node=2",
                       f"hydra.sweep.dir={tmp_path}/sweep")
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
    for line in ("#SBATCH --partition=gpu", "#SBATCH --time=90", "#SBATCH --mem=48GB",
                 "#SBATCH --gpus-per-node=2", "#SBATCH --cpus-per-task=8"):
        assert line in script, line

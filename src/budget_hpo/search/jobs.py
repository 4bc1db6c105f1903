"""What a phase's job is given and where it writes: its own overrides (the trial it runs, or a
seed replicate's seed and folder) and its folder, numbered by trial number (as Hydra numbers the
launched jobs) so that a rerun never overwrites an earlier job's folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from budget_hpo.records import TrialRecord
from budget_hpo.schema import SyntheticConfig

__all__ = ["REPLICATE_DIR", "job_dir", "job_overrides", "launch_numbered"]

REPLICATE_DIR = "replicates"  # replicate jobs' folders: <sweep dir>/replicates/<trial>


def job_overrides(number: int, record: TrialRecord, replicates: bool,
                  generator: SyntheticConfig | None) -> tuple[str, ...]:
    """A job's own overrides: its trial ``number`` (and forced id), or for a replicate its seed
    and folder (it reports to no study and writes no checkpoint: those concern the phase's
    trials; ``generator``: the phase's synthetic data, whose seed stays the phase's)."""
    if not replicates:
        forced = record.forced_id
        return (f"search.trial={number}", *([f"search.forced_id={forced}"] if forced else []))
    data = () if generator is None else (f"data.generator.seed={generator.seed}",)
    return ("search.trial=null", f"seed={record.seed}", *data,
            "search.artifacts.checkpoints_top_k=0",
            f"hydra.sweep.subdir={REPLICATE_DIR}/${{hydra.job.num}}")


def job_dir(root: Path, number: int, replicates: bool = False) -> Path:
    """The folder of the job that runs trial ``number`` under the sweep folder ``root``."""
    return (root / REPLICATE_DIR if replicates else root) / str(number)


def launch_numbered(launcher: Any, overrides: Sequence[tuple[str, ...]],
                    numbers: Sequence[int]) -> list[Any]:
    """Launch one job per override with Hydra job numbers equal to ``numbers`` (the trials'):
    one call when they are consecutive, else one call each."""
    if list(numbers) == list(range(numbers[0], numbers[0] + len(numbers))):
        return list(launcher.launch(list(overrides), initial_job_idx=numbers[0]))
    returns: list[Any] = []
    for override, number in zip(overrides, numbers, strict=True):
        returns.extend(launcher.launch([override], initial_job_idx=number))
    return returns

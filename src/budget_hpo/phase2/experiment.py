"""What a phase-2 file pins from its phase 1: the same data, training, model and scoring.

A phase-2 search must measure what phase 1 measured, only the phase-2 dimensions changing. So a
generated file records phase 1's group choices (``data=csv``, ``trainer=cpu``, ...) and the
resolved values of those groups and the seed, whatever the command line or the phase's search
file (``search=demo`` shrinks the data) set. The file then composes the same experiment on
any machine, whatever the defaults have become since.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from omegaconf import DictConfig, OmegaConf

__all__ = ["PINNED_GROUPS", "Experiment", "experiment_of"]

PINNED_GROUPS = ("model", "data", "trainer", "objective")  # and the top-level seed


@dataclass(frozen=True)
class Experiment:
    """Phase 1's group choices and resolved values of the pinned groups."""

    choices: tuple[tuple[str, str], ...]  # group -> option, e.g. ("data", "csv")
    values: dict[str, Any]  # {"seed": 0, "model": {...}, "data": {...}, ...}

    def yaml(self) -> str:
        """The pinned values as YAML (keys in config order: deterministic)."""
        return OmegaConf.to_yaml(OmegaConf.create(self.values))


def experiment_of(cfg: DictConfig) -> Experiment:
    """The experiment of a composed phase-1 config (with its ``hydra`` node)."""
    chosen = cfg.hydra.runtime.choices
    choices = tuple((g, str(chosen[g])) for g in PINNED_GROUPS if chosen.get(g) is not None)
    values: dict[str, Any] = {"seed": int(cfg.seed)}
    for group in PINNED_GROUPS:
        values[group] = OmegaConf.to_container(cfg[group], resolve=True)
    return Experiment(choices, values)

"""Typed schema behind the YAML groups in ``conf/``: a misspelt or mistyped key fails at composition.

Registered in Hydra's ConfigStore as ``base_config``; ``conf/config.yaml`` lists it first in its
defaults, so every group file is merged onto these dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from budget_hpo.trial.synthetic import SyntheticSpec

__all__ = [
    "ArchConfig",
    "BudgetConfig",
    "Config",
    "DataConfig",
    "EarlyStopConfig",
    "ForcedConfig",
    "ForcedEntry",
    "ModelConfig",
    "ObjectiveConfig",
    "RegularizationConfig",
    "SearchConfig",
    "StyleConfig",
    "TrainerConfig",
    "register_configs",
]


@dataclass
class ArchConfig:
    d_model: int = MISSING
    n_layers: int = MISSING
    n_heads: int = MISSING


@dataclass
class BudgetConfig:
    name: str = MISSING
    target_params: int = MISSING
    shallow: ArchConfig = field(default_factory=ArchConfig)
    deep: ArchConfig = field(default_factory=ArchConfig)


@dataclass
class StyleConfig:
    name: str = MISSING


@dataclass
class RegularizationConfig:
    name: str = "custom"
    dropout: float = 0.5
    lr: float = 1e-4
    weight_decay: float = 1e-3


@dataclass
class ModelConfig:
    name: str = MISSING
    input_size: int = 64
    batch_size: int = 32
    ff_mult: int = 4
    n_heads: Optional[int] = None
    loss: str = "mse"
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class DataConfig:
    name: str = MISSING
    path: Optional[str] = None
    format: str = "auto"
    layout: str = "auto"
    id_col: str = "unique_id"
    time_col: str = "ds"
    target_col: str = "y"
    transform: str = "none"
    nan_policy: str = "error"
    horizon: int = 1
    val_size: int = 200
    test_size: int = 200
    generator: SyntheticSpec = field(default_factory=SyntheticSpec)


@dataclass
class TrainerConfig:
    name: str = "custom"
    accelerator: str = "cpu"
    devices: int = 1
    precision: str = "32-true"
    max_steps: int = 300
    eval_step: int = 1
    num_threads: Optional[int] = None
    fast_kernels: bool = True
    progress_bar: bool = False
    deterministic: bool = False


@dataclass
class ObjectiveConfig:
    name: str = "auc"
    direction: str = "maximize"
    threshold: float = 0.0


@dataclass
class ForcedEntry:
    id: str = MISSING
    budget: str = MISSING
    regularization: str = "default"
    style: Optional[str] = None  # None: the file's `style` (the choice for G2–G4)


@dataclass
class ForcedConfig:
    name: str = MISSING
    style: str = "shallow"
    configs: list[ForcedEntry] = field(default_factory=list)


@dataclass
class EarlyStopConfig:
    enabled: bool = True
    patience: int = 20
    threshold: float = 0.02
    top_k: int = 5


@dataclass
class Phase2Config:
    top_budgets: int = 2
    n_trials: int = 25
    overwrite: bool = False
    config_dir: Optional[str] = None  # None: the project's conf/; files go to <config_dir>/search/
    n_heads: list[int] = field(default_factory=lambda: [1, 2, 4, 8, 16])
    lr: list[float] = field(default_factory=lambda: [5e-6, 2e-3])
    weight_decay: list[float] = field(default_factory=lambda: [0.05, 0.1])
    batch_size: list[int] = field(default_factory=lambda: [8, 16, 32, 64, 128, 256])


@dataclass
class SearchConfig:
    name: str = "none"
    budgets: list[str] = field(default_factory=lambda: ["750k", "2M", "20M", "200M"])
    forced: bool = True
    early_stop: EarlyStopConfig = field(default_factory=EarlyStopConfig)
    max_failure_share: float = 0.5
    min_trials_before_abort: int = 5
    pruner: str = "none"  # none | median | hyperband
    prune_every: int = 50  # training steps between intermediate evaluations
    prune_threshold: float = 0.5  # search.pruner=threshold: worse than this at a check is pruned
    heartbeat_interval: int = 20
    grace_period: int = 60
    phase2: Phase2Config = field(default_factory=Phase2Config)
    trial: Optional[int] = None  # set by the sweeper: this job's Optuna trial number


@dataclass
class Config:
    seed: int = 0
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    style: StyleConfig = field(default_factory=StyleConfig)
    regularization: RegularizationConfig = field(default_factory=RegularizationConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    forced: ForcedConfig = field(default_factory=ForcedConfig)
    search: SearchConfig = field(default_factory=SearchConfig)


def register_configs() -> None:
    """Register the schema as ``base_config`` (idempotent)."""
    ConfigStore.instance().store(name="base_config", node=Config)

"""Typed schema behind the YAML groups in ``conf/``: types and names, never values.

Every value lives once, in YAML (``conf/config.yaml`` for what all options of a group share, the
group's option files for what differs). These dataclasses only say which keys exist and of which
type, so a misspelt or mistyped key fails when the config is composed; no field has a default
(``MISSING``), except ``None`` where a key is absent by design (``data.generator`` for a CSV).

Code reads a composed config through :func:`typed_config`, which returns a :class:`Config`
instance: attributes carry their real types, so no ``int(cfg.x.y)`` casts are needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue

from budget_hpo.errors import ConfigError

__all__ = [
    "AnchoredExtreme", "ArchConfig", "BootstrapConfig", "BudgetConfig", "Config", "DataConfig",
    "EarlyStopConfig", "ForcedConfig", "ForcedEntry", "ModelConfig", "ObjectiveConfig",
    "Phase2Config", "RegularizationConfig", "ReplicatesConfig", "SearchConfig", "StyleConfig",
    "SyntheticConfig", "TrainerConfig", "register_configs", "typed_config",
]


@dataclass
class ArchConfig:
    d_model: int = MISSING
    n_layers: int = MISSING
    n_heads: int = MISSING


@dataclass
class BudgetConfig:
    name: str = MISSING
    params: Any = MISSING  # a parameter count: 750000, "750k", "5e6" (budget_hpo.budget_counts)
    tolerance: float = MISSING  # a solved shape's exact count lies within params · (1 ± tolerance)
    pinned: dict[str, dict[str, ArchConfig]] = MISSING  # model -> style -> a fixed shape


@dataclass
class StyleConfig:
    """``style``: the rule that picks a shape at a budget (an aspect ratio or a fixed depth)."""

    name: str = MISSING
    aspect: float | None = MISSING  # d_model / n_layers the style aims for
    n_layers: int | None = MISSING  # or a fixed depth (then aspect is null)
    head_dim: int = MISSING  # n_heads: the power of two dividing d_model nearest d_model / head_dim
    width_step: int = MISSING  # d_model is a multiple of this
    max_layers: int = MISSING  # the deepest stack the sizer tries


@dataclass
class RegularizationConfig:
    name: str = MISSING
    dropout: float = MISSING
    lr: float = MISSING
    weight_decay: float = MISSING


@dataclass
class ModelConfig:
    name: str = MISSING
    input_size: int = MISSING
    batch_size: int = MISSING
    ff_mult: int = MISSING
    n_heads: int | None = MISSING
    loss: str = MISSING
    kwargs: dict[str, Any] = MISSING


@dataclass
class SyntheticConfig:
    """``data.generator``: sizes, seed and coefficients of the embedded panel."""

    n_series: int = MISSING
    length: int = MISSING
    seed: int = MISSING
    leader_share: float = MISSING
    leader_ar: float = MISSING
    follow_beta: float = MISSING
    max_lag: int = MISSING
    factor_loading: float = MISSING
    factor_ar: float = MISSING
    regime_ar: float = MISSING
    regime_stay: float = MISSING
    noise: float = MISSING
    gated_terms: int = MISSING  # sign-gated relations in every series' returns (0: none)
    gated_beta: float = MISSING
    gated_max_lag: int = MISSING
    market_share: float = MISSING


@dataclass
class DataConfig:
    source: str = MISSING  # synthetic | csv: what loads the series
    name: str | None = MISSING  # the data's name; None: see budget_hpo.dataset_names.dataset_name
    path: str | None = MISSING
    paths: list[str] | None = MISSING  # several files pooled into one panel
    align: str = MISSING  # pooled files: strict | intersect
    format: str = MISSING
    layout: str = MISSING
    id_col: str = MISSING
    time_col: str = MISSING
    time_format: str | None = MISSING
    target_col: str = MISSING
    transform: str = MISSING
    nan_policy: str = MISSING
    horizon: int = MISSING
    val_size: int = MISSING
    test_size: int = MISSING
    generator: SyntheticConfig | None = None  # only data=synthetic has one


@dataclass
class TrainerConfig:
    name: str = MISSING
    accelerator: str = MISSING
    devices: int = MISSING
    precision: str = MISSING
    max_steps: int = MISSING
    eval_step: int = MISSING
    num_threads: int | None = MISSING
    fast_kernels: bool = MISSING
    progress_bar: bool = MISSING
    deterministic: bool = MISSING


@dataclass
class BootstrapConfig:
    """``objective.bootstrap``: the block bootstrap behind every AUC and loss interval."""

    resamples: int = MISSING
    block: int = MISSING  # consecutive evaluation origins per block


@dataclass
class ObjectiveConfig:
    name: str = MISSING
    direction: str = MISSING
    threshold: float = MISSING
    bootstrap: BootstrapConfig = field(default_factory=BootstrapConfig)
    baseline_cache: str | None = MISSING  # the baselines' scores folder; None: in memory only


@dataclass
class ForcedEntry:
    id: str = MISSING
    budget: str = MISSING
    regularization: str = MISSING
    style: str | None = None  # absent: the file's `style` (the choice for G2–G4)


@dataclass
class AnchoredExtreme:
    """A regularisation extreme of the anchors rule, run at each of its anchor budgets."""

    id: str = MISSING  # e.g. G2-dropout-0.1 (the budget's name is appended)
    regularization: str = MISSING
    at: list[str] = MISSING  # anchors: main | second_largest | largest


@dataclass
class ForcedConfig:
    name: str = MISSING
    style: str = MISSING  # the style of G2–G4 (the seed is silent)
    configs: list[ForcedEntry] | None = None  # a hand-written list, used as written
    styles: list[str] | None = None  # the rule: G1 is every budget of search.budgets x these ...
    extremes: list[AnchoredExtreme] | None = None  # ... then each extreme at its anchors


@dataclass
class EarlyStopConfig:
    """``search.early_stop``: the seed's ``--early-stop-patience`` / ``--early-stop-threshold``."""

    enabled: bool = MISSING
    patience: int = MISSING
    threshold: float | str = MISSING  # a number, or "auto" (from measured seed noise)
    top_k: int = MISSING
    noise_seeds: int = MISSING  # threshold=auto: reruns of the first forced config
    noise_factor: float = MISSING  # threshold=auto: threshold = noise_factor x their seed SD


@dataclass
class Phase2Config:
    top_budgets: int = MISSING
    n_trials: int = MISSING
    overwrite: bool = MISSING
    config_dir: str | None = MISSING
    params: dict[str, str] = MISSING  # name -> Hydra sweep expression, as hydra.sweeper.params
    transfer_lr: bool = MISSING  # each file's first trial: the lr phase 1's lr law predicts
    run: bool = MISSING  # run each written file's sweep when phase 1 ends (the demo)
    run_overrides: list[str] = MISSING  # extra overrides for those runs
    run_jobs: int = MISSING  # how many of those runs go at once (1: one after the other)


@dataclass
class ReplicatesConfig:
    """``search.replicates``: seed reruns of the best configs when a phase ends."""

    top_k: int = MISSING
    seeds: int = MISSING


@dataclass
class LoggerConfig:
    """``logger``: Lightning's own loggers, passed through neuralforecast's trainer options."""

    name: str = MISSING  # none | csv | tensorboard | mlflow
    every_n_steps: int = MISSING
    save_dir: str | None = MISSING
    tracking_uri: str = MISSING


@dataclass
class ArtifactsConfig:
    """``search.artifacts``: the best trials' checkpoints in Optuna's artifact store."""

    checkpoints_top_k: int = MISSING  # 0: no checkpoints
    dir: str = MISSING  # the FileSystemArtifactStore's folder


@dataclass
class SearchConfig:
    name: str = MISSING
    budgets: list[str] = MISSING
    forced: bool = MISSING
    random_startup: int = MISSING  # random trials after the forced ones, before TPE models
    early_stop: EarlyStopConfig = field(default_factory=EarlyStopConfig)
    max_failure_share: float = MISSING
    min_trials_before_abort: int = MISSING
    pruner: str = MISSING
    prune_every: int = MISSING
    prune_threshold: float = MISSING
    heartbeat_interval: int = MISSING
    grace_period: int = MISSING
    max_retries: int = MISSING
    phase2: Phase2Config = field(default_factory=Phase2Config)
    report: bool = MISSING  # write the report when a phase ends
    replicates: ReplicatesConfig = field(default_factory=ReplicatesConfig)
    artifacts: ArtifactsConfig = field(default_factory=ArtifactsConfig)
    trial: int | None = MISSING
    forced_id: str | None = MISSING  # set by the sweeper: a forced config's id (a run tag)
    parent: str | None = MISSING  # phase 2: the phase-1 study it continues
    first_trial: dict[str, float] | None = MISSING  # enqueued once first; the rest sampled


@dataclass
class Config:
    seed: int = MISSING
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    style: StyleConfig = field(default_factory=StyleConfig)
    regularization: RegularizationConfig = field(default_factory=RegularizationConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    trainer: TrainerConfig = field(default_factory=TrainerConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)
    forced: ForcedConfig = field(default_factory=ForcedConfig)
    search: SearchConfig = field(default_factory=SearchConfig)


def register_configs() -> None:
    """Register the schema as ``base_config`` (idempotent: Hydra 1.4 warns on a second store)."""
    store = ConfigStore.instance()
    if "base_config.yaml" not in store.repo:
        store.store(name="base_config", node=Config)


def typed_config(cfg: DictConfig | Config) -> Config:
    """The composed config as a :class:`Config` instance (its ``hydra`` node, if any, left out).

    Raises:
        ConfigError: a required value is still ``???`` (e.g. ``data.path`` of ``data=csv``), or a
            value does not fit its key's type.
    """
    if isinstance(cfg, Config):
        return cfg
    keys = [str(k) for k in cfg if k != "hydra"]
    try:
        if OmegaConf.get_type(cfg) is Config:  # composed on base_config (every config of conf/
            # is): its group nodes carry the schema's types already; converting them one by one
            # is 10x faster than merging the schema again, which a plain config still takes
            parts: dict[str, Any] = {k: OmegaConf.to_object(cfg[k])
                                     if OmegaConf.is_config(cfg[k]) else cfg[k] for k in keys}
            return Config(**parts)
        node = OmegaConf.merge(OmegaConf.structured(Config), OmegaConf.masked_copy(cfg, keys))
        typed = OmegaConf.to_object(node)
    except MissingMandatoryValue as err:
        key = str(err.full_key or err.key)
        raise ConfigError(key, "???", f"a value for {key} (it has no default)") from None
    assert isinstance(typed, Config)
    return typed

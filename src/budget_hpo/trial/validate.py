"""Check a composed config before anything is built or trained; each problem is one line."""

from __future__ import annotations

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.trial.models import LOSSES, MODELS
from budget_hpo.trial.sizing import Architecture, resolve_architecture
from budget_hpo.trial.tiny import TINY
from budget_hpo.trial.tracking import check_logger

__all__ = ["ACCELERATORS", "OBJECTIVES", "at_least", "check_config"]

OBJECTIVES = {"auc": "maximize", "mae": "minimize"}  # the metric decides the direction
ACCELERATORS = ("cpu", "gpu", "cuda", "mps", "auto")


def at_least(key: str, value: object, low: int) -> None:
    """Raise :class:`ConfigError` unless ``value`` is an integer >= ``low``."""
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(key, value, f"an integer >= {low}")


def check_config(cfg: Config) -> Architecture:
    """Validate every value a trial uses and return the architecture it will build.

    Raises:
        ConfigError: the first bad key, with its value and what is allowed.
    """
    reg = cfg.regularization
    if not 0.0 <= reg.dropout < 1.0:
        raise ConfigError("regularization.dropout", reg.dropout, "0 <= dropout < 1")
    if not reg.lr > 0.0:
        raise ConfigError("regularization.lr", reg.lr, "lr > 0")
    if not reg.weight_decay >= 0.0:
        raise ConfigError("regularization.weight_decay", reg.weight_decay, "weight_decay >= 0")

    check_logger(cfg)
    model = cfg.model
    if model.name not in (*MODELS, TINY):
        raise ConfigError("model", model.name, " | ".join((*MODELS, TINY)))
    if model.loss not in LOSSES:
        raise ConfigError("model.loss", model.loss, " | ".join(LOSSES))
    at_least("model.batch_size", model.batch_size, 1)
    at_least("model.input_size", model.input_size, 1)

    data = cfg.data
    at_least("data.horizon", data.horizon, 1)
    at_least("data.val_size", data.val_size, data.horizon)
    at_least("data.test_size", data.test_size, data.horizon)

    trainer = cfg.trainer
    at_least("trainer.max_steps", trainer.max_steps, 1)
    at_least("trainer.eval_step", trainer.eval_step, 1)
    at_least("trainer.devices", trainer.devices, 1)
    if trainer.num_threads is not None:
        at_least("trainer.num_threads", trainer.num_threads, 1)
    if trainer.accelerator not in ACCELERATORS:
        raise ConfigError("trainer.accelerator", trainer.accelerator, " | ".join(ACCELERATORS))

    at_least("objective.bootstrap.resamples", cfg.objective.bootstrap.resamples, 1)
    at_least("objective.bootstrap.block", cfg.objective.bootstrap.block, 1)
    objective = cfg.objective
    if objective.name not in OBJECTIVES:
        raise ConfigError("objective", objective.name, " | ".join(OBJECTIVES))
    if objective.direction != OBJECTIVES[objective.name]:
        raise ConfigError("objective.direction", objective.direction, OBJECTIVES[objective.name])
    return resolve_architecture(cfg)

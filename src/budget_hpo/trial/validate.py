"""Check a composed config before anything is built or trained; each problem is one line."""

from __future__ import annotations

from omegaconf import DictConfig

from budget_hpo.errors import ConfigError
from budget_hpo.trial.models import LOSSES, MODELS
from budget_hpo.trial.pruning import PRUNERS
from budget_hpo.trial.sizing import Architecture, resolve_architecture

__all__ = ["OBJECTIVES", "check_config"]

OBJECTIVES = {"auc": "maximize", "mae": "minimize"}
ACCELERATORS = ("cpu", "gpu", "cuda", "mps", "auto")


def _at_least(key: str, value: object, low: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigError(key, value, f"an integer >= {low}")


def check_config(cfg: DictConfig) -> Architecture:
    """Validate every value a trial uses and return the architecture it will build.

    Raises:
        ConfigError: the first bad key, with its value and what is allowed.
    """
    reg = cfg.regularization
    if not 0.0 <= float(reg.dropout) < 1.0:
        raise ConfigError("regularization.dropout", reg.dropout, "0 <= dropout < 1")
    if not float(reg.lr) > 0.0:
        raise ConfigError("regularization.lr", reg.lr, "lr > 0")
    if not float(reg.weight_decay) >= 0.0:
        raise ConfigError("regularization.weight_decay", reg.weight_decay, "weight_decay >= 0")

    model = cfg.model
    if str(model.name) not in MODELS:
        raise ConfigError("model", model.name, " | ".join(MODELS))
    if str(model.loss) not in LOSSES:
        raise ConfigError("model.loss", model.loss, " | ".join(LOSSES))
    _at_least("model.batch_size", model.batch_size, 1)
    _at_least("model.input_size", model.input_size, 1)

    data = cfg.data
    _at_least("data.horizon", data.horizon, 1)
    _at_least("data.val_size", data.val_size, int(data.horizon))
    _at_least("data.test_size", data.test_size, int(data.horizon))

    trainer = cfg.trainer
    _at_least("trainer.max_steps", trainer.max_steps, 1)
    _at_least("trainer.eval_step", trainer.eval_step, 1)
    _at_least("trainer.devices", trainer.devices, 1)
    if trainer.num_threads is not None:
        _at_least("trainer.num_threads", trainer.num_threads, 1)
    if str(trainer.accelerator) not in ACCELERATORS:
        raise ConfigError("trainer.accelerator", trainer.accelerator, " | ".join(ACCELERATORS))

    search = cfg.search
    if str(search.pruner) not in PRUNERS:
        raise ConfigError("search.pruner", search.pruner, " | ".join(PRUNERS))
    _at_least("search.prune_every", search.prune_every, 1)

    objective = cfg.objective
    if str(objective.name) not in OBJECTIVES:
        raise ConfigError("objective", objective.name, " | ".join(OBJECTIVES))
    if str(objective.direction) != OBJECTIVES[str(objective.name)]:
        raise ConfigError(
            "objective.direction", objective.direction, OBJECTIVES[str(objective.name)]
        )
    return resolve_architecture(cfg)

"""The model group: build a neuralforecast transformer from an architecture and a config.

neuralforecast is imported lazily (it takes seconds and pulls in Ray); building on the ``meta``
device allocates no weights, which is how exact parameter counts of 200M models are cheap.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.trial.sizing import Architecture

__all__ = [
    "LOSSES", "MODELS", "build_model", "count_parameters", "exact_parameter_count", "model_batch",
]

LOSSES = ("mse", "mae")


def _itransformer(arch: Architecture, n_series: int) -> tuple[str, dict[str, Any]]:
    return "iTransformer", {
        "n_series": n_series,
        "hidden_size": arch.d_model,
        "e_layers": arch.n_layers,
        "n_heads": arch.n_heads,
        "d_ff": arch.d_ff,
    }


def _patchtst(arch: Architecture, n_series: int) -> tuple[str, dict[str, Any]]:
    return "PatchTST", {
        "hidden_size": arch.d_model,
        "encoder_layers": arch.n_layers,
        "n_heads": arch.n_heads,
        "linear_hidden_size": arch.d_ff,
    }


# model.name -> (neuralforecast class name, architecture keyword arguments)
MODELS: dict[str, Callable[[Architecture, int], tuple[str, dict[str, Any]]]] = {
    "itransformer": _itransformer,
    "patchtst": _patchtst,
}


def _loss(name: str) -> Any:
    from neuralforecast.losses.pytorch import MAE, MSE

    if name not in LOSSES:
        raise ConfigError("model.loss", name, " | ".join(LOSSES))
    return MSE() if name == "mse" else MAE()


def quiet_lightning() -> None:
    """Keep Lightning's per-trainer banners ("Seed set to", "GPU available") out of the logs."""
    for name in ("pytorch_lightning", "lightning", "lightning_fabric", "lightning.fabric"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
    warnings.filterwarnings("ignore", message=r".*does not have many workers.*")
    warnings.filterwarnings(
        "ignore", message=r".*removed from hparams because it cannot be pickled.*"
    )


def build_model(
    cfg: Config,
    arch: Architecture,
    n_series: int,
    *,
    callbacks: list[Any] | None = None,
    logger: Any = False,
) -> Any:
    """Instantiate the configured neuralforecast model with ``arch``, regularisation and trainer.

    Weight decay is carried by AdamW; Lightning options pass through the model constructor.
    Build it under ``torch.device("meta")`` to count parameters without allocating them.
    """
    from neuralforecast import models as nf_models

    quiet_lightning()
    if cfg.model.name not in MODELS:
        raise ConfigError("model", cfg.model.name, " | ".join(MODELS))
    class_name, arch_kwargs = MODELS[cfg.model.name](arch, n_series)
    extra = dict(cfg.model.kwargs)  # last: model.kwargs may override any argument built here
    kwargs = {**_model_kwargs(cfg, arch_kwargs), **_trainer_kwargs(cfg, callbacks, logger), **extra}
    try:
        model = getattr(nf_models, class_name)(**kwargs)
    except TypeError as err:  # an unknown model.kwargs entry
        raise ConfigError(
            "model.kwargs", extra, f"keyword arguments of {class_name} ({err})"
        ) from err
    if cfg.trainer.fast_kernels and cfg.trainer.accelerator == "cpu":
        from budget_hpo.trial.kernels import use_fast_kernels

        use_fast_kernels(model)
    return model


def _model_kwargs(cfg: Config, arch_kwargs: dict[str, Any]) -> dict[str, Any]:
    """The model's own constructor arguments: sizes, regularisation, optimiser, loss."""
    import torch

    reg = cfg.regularization
    return {
        "h": cfg.data.horizon,
        "input_size": cfg.model.input_size,
        **arch_kwargs,
        "dropout": reg.dropout,
        "learning_rate": reg.lr,
        "optimizer": torch.optim.AdamW,
        "optimizer_kwargs": {
            "weight_decay": reg.weight_decay,
            # one fused kernel for all parameters instead of a loop of small ops per tensor
            **({"fused": True} if cfg.trainer.fast_kernels else {}),
        },
        "loss": _loss(cfg.model.loss),
        "windows_batch_size": cfg.model.batch_size,
        "inference_windows_batch_size": 256,
        "random_seed": cfg.seed,
    }


def _trainer_kwargs(cfg: Config, callbacks: list[Any] | None, logger: Any) -> dict[str, Any]:
    """Lightning trainer options, passed through neuralforecast's model constructor (``logger``:
    :func:`budget_hpo.trial.tracking.build_logger`, or False)."""
    trainer = cfg.trainer
    return {
        "max_steps": trainer.max_steps,
        "val_check_steps": trainer.max_steps,  # no validation split in training: scored after
        "accelerator": trainer.accelerator,
        "devices": trainer.devices,
        "precision": trainer.precision,
        "deterministic": trainer.deterministic,
        "enable_progress_bar": trainer.progress_bar,
        "enable_model_summary": False,
        "enable_checkpointing": False,
        "logger": logger,
        "log_every_n_steps": cfg.logger.every_n_steps,
        **({"callbacks": callbacks} if callbacks else {}),
    }


def count_parameters(model: Any) -> int:
    """Exact number of parameters (works on ``meta`` tensors)."""
    return int(sum(p.numel() for p in model.parameters()))


def exact_parameter_count(cfg: Config, arch: Architecture, n_series: int) -> int:
    """Build the model on the ``meta`` device (no weights allocated) and count its parameters."""
    import torch

    with torch.device("meta"):
        model = build_model(cfg, arch, n_series)
    return count_parameters(model)


def model_batch(x: Any) -> dict[str, Any]:
    """The batch a neuralforecast model's ``forward`` takes for input windows ``x`` (no
    exogenous variables, nothing missing)."""
    import torch

    return {"insample_y": x, "insample_mask": torch.ones_like(x), "futr_exog": None,
            "hist_exog": None, "stat_exog": None}

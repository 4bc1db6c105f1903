"""The model group: build a neuralforecast transformer from an architecture and a config.

neuralforecast is imported lazily (it takes seconds and pulls in Ray); building on the ``meta``
device allocates no weights, which is how exact parameter counts of 200M models are cheap.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config
from budget_hpo.trial.architecture import Architecture, DataShape
from budget_hpo.trial.families import Family, constructor_kwargs, family

__all__ = [
    "FAST_KERNELS", "LOSSES", "build_model", "count_parameters", "exact_parameter_count",
    "model_batch", "optimizer_kwargs",
]

LOSSES = ("mse", "mae")

# The families whose modules trial.kernels' re-classing knows: iTransformer's encoder layers,
# attention layers and attention are the ones trial/layers.py rewrites and tests against the
# stock layers; PatchTST has none of them and only its nn.Dropout modules are swapped. The
# others are left stock: their own layers (decoders with cross-attention, ProbAttention,
# auto-correlation, Fourier blocks, TimeXer's global-token encoder layer) were never compared
# with the re-classed forwards, so swapping parts of them could change their maths unseen.
FAST_KERNELS = frozenset({"itransformer", "patchtst"})


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

    The class and its shape arguments come from the model's family
    (:mod:`budget_hpo.trial.families`); weight decay is carried by AdamW; Lightning options pass
    through the model constructor. Build it under ``torch.device("meta")`` to count parameters
    without allocating them.

    Raises:
        ConfigError: an unknown model, a shape it cannot build, an unknown ``model.kwargs`` key.
    """
    from neuralforecast import models as nf_models

    quiet_lightning()
    fam = family(cfg.model.name)
    shape = DataShape.from_config(cfg, n_series)
    extra = dict(cfg.model.kwargs)
    fam.check(arch, shape, extra)
    kwargs = {  # model.kwargs last: they may override any argument built here
        **constructor_kwargs(fam, arch, shape), **_model_kwargs(cfg, fam),
        **_trainer_kwargs(cfg, callbacks, logger), **extra,
    }
    try:
        model = getattr(nf_models, fam.class_name)(**kwargs)
    except TypeError as err:  # an unknown model.kwargs entry
        raise ConfigError(
            "model.kwargs", extra, f"keyword arguments of {fam.class_name} ({err})"
        ) from err
    if (cfg.trainer.fast_kernels and cfg.trainer.accelerator == "cpu"
            and fam.name in FAST_KERNELS):
        from budget_hpo.trial.kernels import use_fast_kernels

        use_fast_kernels(model)
    return model


def _model_kwargs(cfg: Config, fam: Family) -> dict[str, Any]:
    """The model's constructor arguments besides its shape: regularisation, optimiser, loss."""
    import torch

    reg = cfg.regularization
    return {
        "dropout": reg.dropout,
        "learning_rate": reg.lr,
        "optimizer": torch.optim.AdamW,
        "optimizer_kwargs": optimizer_kwargs(cfg, fam),
        "loss": _loss(cfg.model.loss),
        "windows_batch_size": cfg.model.batch_size,
        "inference_windows_batch_size": 256,
        "random_seed": cfg.seed,
    }


def optimizer_kwargs(cfg: Config, fam: Family) -> dict[str, Any]:
    """AdamW's arguments: the weight decay, and with ``trainer.fast_kernels`` one fused kernel
    for all parameters instead of a loop of small ops per tensor, where the family allows it
    (fused AdamW refuses complex weights such as FEDformer's)."""
    fused = cfg.trainer.fast_kernels and fam.fused_adamw
    return {"weight_decay": cfg.regularization.weight_decay, **({"fused": True} if fused else {})}


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

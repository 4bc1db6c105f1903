"""Training curves: the ``logger`` group as one of Lightning's own loggers.

neuralforecast passes trainer options through the model's constructor, so the logger goes in as
``logger=...`` with ``log_every_n_steps``. Each trial logs its training loss (``train_loss_step``)
and, when pruned sweeps check it, its intermediate validation objective (``val_objective``).
Runs are named ``<study>/<trial>`` (``trial`` for a single run) and tagged with the budget, the
style, the forced config's id and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from budget_hpo.errors import ConfigError
from budget_hpo.schema import Config

__all__ = ["CURVES", "LOGGERS", "RunInfo", "build_logger", "check_logger"]

LOGGERS = ("none", "csv", "tensorboard", "mlflow")
CURVES = "curves"  # the folder of a trial's curves inside its job folder


@dataclass(frozen=True)
class RunInfo:
    """Who a trial is, for run names and tags: its study (None outside a sweep) and number."""

    study: str | None = None
    trial: int | None = None

    @property
    def name(self) -> str:
        return "trial" if self.study is None else f"{self.study}/{self.trial}"


def check_logger(cfg: Config) -> None:
    """Refuse an unknown logger, or mlflow when it is not installed, before training."""
    name = cfg.logger.name
    if name not in LOGGERS:
        raise ConfigError("logger", name, " | ".join(LOGGERS))
    if cfg.logger.every_n_steps < 1:
        raise ConfigError("logger.every_n_steps", cfg.logger.every_n_steps, "an integer >= 1")
    if name == "mlflow":
        try:
            import mlflow  # noqa: F401
        except ImportError:
            raise ConfigError("logger", name, 'none | csv | tensorboard, or install mlflow '
                              '(pip install "budget_hpo[mlflow]")') from None


def tags(cfg: Config) -> dict[str, str]:
    found = {"budget": cfg.budget.name, "style": cfg.style.name, "seed": cfg.seed,
             "forced_id": cfg.search.forced_id}
    return {k: str(v) for k, v in found.items() if v is not None}


def build_logger(cfg: Config, folder: Path | None, run: RunInfo) -> tuple[Any, str | None]:
    """The Lightning logger for ``cfg.logger`` (``False`` for none) and where its curves go
    (a folder, or the MLflow run's URI)."""
    check_logger(cfg)
    settings = cfg.logger
    if settings.name == "none":
        return False, None
    if settings.name == "mlflow":
        from pytorch_lightning.loggers import MLFlowLogger

        if settings.tracking_uri.startswith("sqlite:///"):  # a local store: make its folder
            Path(settings.tracking_uri.removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True)

        class _MLFlow(MLFlowLogger):
            """Logs the model's plain hyperparameters once: neuralforecast's predict trainer
            logs them again, with new objects (callbacks, this logger) MLflow refuses."""

            def log_hyperparams(self, params: Any, *args: Any, **kwargs: Any) -> None:
                if not getattr(self, "_params_logged", False):
                    self._params_logged = True
                    super().log_hyperparams({k: v for k, v in dict(params).items()
                                             if isinstance(v, str | int | float | bool)})

        logger: Any = _MLFlow(experiment_name=run.study or "budget-hpo", run_name=run.name,
                              tracking_uri=settings.tracking_uri, tags=tags(cfg))
        return logger, f"{settings.tracking_uri} run {logger.run_id}"
    if settings.save_dir is not None:
        root, name, version = Path(settings.save_dir), run.study or "", str(run.trial or "trial")
    else:
        root, name, version = Path(folder or "."), "", CURVES
    if settings.name == "csv":
        from pytorch_lightning.loggers import CSVLogger

        logger = CSVLogger(save_dir=str(root), name=name, version=version)
    else:
        from pytorch_lightning.loggers import TensorBoardLogger

        logger = TensorBoardLogger(save_dir=str(root), name=name, version=version,
                                   default_hp_metric=False)
    logger.log_hyperparams(tags(cfg))
    return logger, str(logger.log_dir)

"""A trial's trained model as a file: its weights with the config that built it, so that it can
be rebuilt anywhere (``search.artifacts.checkpoints_top_k``; the best are kept in Optuna's
artifact store, :mod:`budget_hpo.search.artifacts`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from budget_hpo.schema import Config

__all__ = ["CHECKPOINT", "load_model", "save_checkpoint"]

CHECKPOINT = "model.ckpt"


def save_checkpoint(model: Any, cfg: Config, n_series: int, folder: Path) -> Path:
    """Write ``<folder>/model.ckpt``: the weights, the trial's config and its panel width."""
    import torch

    path = Path(folder) / CHECKPOINT
    torch.save({"state_dict": model.state_dict(), "config": asdict(cfg), "n_series": n_series},
               path)
    return path


def load_model(path: str | Path) -> tuple[Any, Config]:
    """Rebuild the trained model of a checkpoint file: ``(model, config)``, the model in eval
    mode (its forward takes neuralforecast's window batches; see ``trial.pruning``)."""
    import torch
    from omegaconf import OmegaConf

    from budget_hpo.schema import typed_config
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.validation import check_config

    saved = torch.load(path, map_location="cpu", weights_only=False)
    cfg = typed_config(OmegaConf.create(saved["config"]))
    n_series = int(saved["n_series"])  # the trial's panel: the shape is sized for it again
    model = build_model(cfg, check_config(cfg, n_series), n_series)
    model.load_state_dict(saved["state_dict"])
    return model.eval(), cfg

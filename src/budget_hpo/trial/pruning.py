"""Per-trial pruning inside a Hydra sweep job.

The phase sweeper tells each job which Optuna trial it is (``search.trial``); the job opens the
same study (storage and name from its Hydra config), and a Lightning callback evaluates the
validation objective every ``search.prune_every`` training steps, reports it to the trial and
stops the run with :class:`optuna.TrialPruned` when the pruner says so. The sweeper records the
trial PRUNED. Pruned trials take no part in the early-stop rule (it counts COMPLETE trials only).

The intermediate objective is computed by running the model forward on the validation origins'
input windows: the same numbers neuralforecast's ``predict`` gives for this model (checked by a
test), without stopping training.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig

from budget_hpo.errors import ConfigError

__all__ = ["PRUNERS", "Reporter", "make_pruner", "open_reporter", "validation_forecast"]

log = logging.getLogger(__name__)

PRUNERS = ("none", "median", "hyperband", "threshold")


def make_pruner(
    name: str, every: int, max_steps: int, threshold: float = 0.5, direction: str = "maximize"
) -> Any:
    """The Optuna pruner for ``search.pruner``.

    ``median``: stop a trial whose objective at a check is worse than the median of earlier
    trials at that step (after 5 trials). ``hyperband``: successive halving over ``every`` ..
    ``max_steps`` steps. ``threshold``: stop a trial whose objective is worse than
    ``search.prune_threshold`` at any check (e.g. an AUC still at chance).
    """
    import optuna

    if name not in PRUNERS:
        raise ConfigError("search.pruner", name, " | ".join(PRUNERS))
    if name == "threshold":
        bound = {"lower": threshold} if direction == "maximize" else {"upper": threshold}
        return optuna.pruners.ThresholdPruner(**bound)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=every)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(
            min_resource=every, max_resource=max_steps, reduction_factor=3
        )
    return optuna.pruners.NopPruner()


@dataclass
class Reporter:
    """Reports intermediate values of one running trial and asks its pruner."""

    trial: Any  # optuna.Trial
    every: int

    def __call__(self, step: int, value: float) -> None:
        import optuna

        self.trial.report(value, step)
        self.trial.set_user_attr("steps_done", step)
        if self.trial.should_prune():
            log.info("trial %d pruned at step %d (objective %.4f)", self.trial.number, step, value)
            raise optuna.TrialPruned(f"pruned at step {step} (objective {value:.4f})")


def open_reporter(cfg: DictConfig, storage: str | None, study_name: str | None) -> Reporter | None:
    """The reporter for this job's trial, or None outside a pruned sweep."""
    search = cfg.search
    if search.trial is None or str(search.pruner) == "none" or not storage or not study_name:
        return None
    import optuna

    every = int(search.prune_every)
    pruner = make_pruner(str(search.pruner), every, int(cfg.trainer.max_steps),
                         float(search.prune_threshold), str(cfg.objective.direction))
    study = optuna.load_study(study_name=study_name, storage=storage, pruner=pruner)
    frozen = study.get_trials(deepcopy=False)[int(search.trial)]
    return Reporter(optuna.Trial(study, frozen._trial_id), every)


def validation_forecast(
    model: Any, values: np.ndarray, origins: np.ndarray, input_size: int
) -> np.ndarray:
    """The model's forecasts ``[origins, horizon, series]`` from each origin's input window."""
    import torch

    windows = np.stack([values[c - input_size + 1 : c + 1] for c in origins])  # [B, L, N]
    x = torch.as_tensor(windows, dtype=torch.float32, device=model.device)
    n = x.shape[2]
    if not getattr(model, "MULTIVARIATE", False):  # channel-independent: one window per series
        x = x.permute(0, 2, 1).reshape(-1, input_size, 1)  # [B·N, L, 1]
    batch = {"insample_y": x, "insample_mask": torch.ones_like(x), "futr_exog": None,
             "hist_exog": None, "stat_exog": None}
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model.loss.domain_map(model(batch)).float()
    model.train(was_training)
    if not getattr(model, "MULTIVARIATE", False):
        out = out.reshape(len(origins), n, -1).permute(0, 2, 1)  # [B, h, N]
    return out.cpu().numpy()


def pruning_callback(
    every: int, objective: Callable[[Any], float], reporter: Reporter
) -> Any:
    """A Lightning callback that reports ``objective(model)`` every ``every`` steps."""
    from pytorch_lightning.callbacks import Callback

    class _Pruning(Callback):
        def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any) -> None:
            step = int(trainer.global_step)
            if step > 0 and step % every == 0 and step < int(trainer.max_steps):
                reporter(step, objective(pl_module))

    return _Pruning()

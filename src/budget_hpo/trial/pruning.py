"""Per-trial pruning inside a Hydra sweep job.

The phase sweeper tells each job which Optuna trial it is (``search.trial``); the job opens the
same study (:func:`budget_hpo.search.pruners.open_reporter`), and a Lightning callback evaluates the
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

from budget_hpo.records import TrialRecord
from budget_hpo.trial.models import model_batch

__all__ = ["Reporter", "pruning_callback", "validation_forecast"]

log = logging.getLogger(__name__)


@dataclass
class Reporter:
    """Reports intermediate values of one running trial and asks its pruner."""

    trial: Any  # optuna.Trial
    every: int

    def __call__(self, step: int, value: float) -> None:
        import optuna

        self.trial.report(value, step)
        for key, attr in TrialRecord(steps_done=step).to_attrs().items():
            self.trial.set_user_attr(key, attr)
        if self.trial.should_prune():
            log.info("trial %d pruned at step %d (objective %.4f)", self.trial.number, step, value)
            raise optuna.TrialPruned(f"pruned at step {step} (objective {value:.4f})")


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
    batch = model_batch(x)
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
                value = objective(pl_module)
                if trainer.logger:  # the intermediate objective beside the training loss
                    trainer.logger.log_metrics({"val_objective": value}, step=step)
                reporter(step, value)

    return _Pruning()

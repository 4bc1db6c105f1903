"""One budget-aware trial: size, build, train and score a neuralforecast transformer.

``run_trial(cfg)`` is the whole job; the Hydra entry point only calls it. Everything that can be
wrong with the input is checked before the model trains (:class:`ConfigError`); a run that
diverges raises :class:`TrialFailed` instead of returning a number.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from budget_hpo.trial.data import load_panel, required_length
from budget_hpo.errors import ConfigError, TrialFailed
from budget_hpo.trial.evaluation import (
    direction_auc,
    horizon_change,
    linear_scores,
    make_splits,
    naive_scores,
)
from budget_hpo.trial.models import build_model, count_parameters
from budget_hpo.trial.pruning import Reporter, pruning_callback, validation_forecast
from budget_hpo.trial.validate import check_config

__all__ = ["TrialResult", "run_trial"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrialResult:
    """What a trial measured; written as ``result.json`` and summarised in one line."""

    budget: str
    style: str
    model: str
    d_model: int
    n_layers: int
    n_heads: int
    d_ff: int
    params_formula: int
    params_exact: int
    dropout: float
    lr: float
    weight_decay: float
    batch_size: int
    seed: int
    n_series: int
    train_steps: int
    objective: str
    direction: str
    objective_value: float
    val_auc: float
    test_auc: float
    naive_val_auc: float
    naive_test_auc: float
    linear_val_auc: float
    linear_test_auc: float
    val_mae: float
    test_mae: float
    n_val_origins: int
    n_test_origins: int
    final_train_loss: float
    wall_time_s: float
    train_time_s: float
    setup_time_s: float
    eval_time_s: float

    def summary(self) -> str:
        """The one-line summary printed at the end of a trial."""
        return (
            f"{self.budget}/{self.style} {self.model} d_model={self.d_model} "
            f"n_layers={self.n_layers} n_heads={self.n_heads} params={self.params_exact:,} "
            f"val_auc={self.val_auc:.4f} test_auc={self.test_auc:.4f} "
            f"(naive {self.naive_val_auc:.3f}/{self.naive_test_auc:.3f}, "
            f"linear {self.linear_val_auc:.3f}/{self.linear_test_auc:.3f}) "
            f"{self.objective}={self.objective_value:.4f} wall={self.wall_time_s:.1f}s"
        )


def run_trial(
    cfg: DictConfig, output_dir: str | Path | None = None, reporter: Reporter | None = None
) -> TrialResult:
    """Run one trial and, when ``output_dir`` is given, write ``result.json`` there.

    With a ``reporter`` (a pruned sweep), the validation objective is reported every
    ``reporter.every`` steps and the run stops with ``optuna.TrialPruned`` when pruned.

    Raises:
        ConfigError: bad input (before any training).
        TrialFailed: training diverged or produced non-finite forecasts.
    """
    start = time.perf_counter()
    arch = check_config(cfg)
    panel = load_panel(cfg.data)
    data = cfg.data
    need = required_length(data, int(cfg.model.input_size))
    if panel.length < need:
        raise ConfigError(
            "data",
            f"{panel.length} steps",
            f"series of at least input_size + horizon + val_size + test_size = {need} steps",
        )
    horizon = int(data.horizon)
    splits = make_splits(
        panel.length, horizon, int(data.val_size), int(data.test_size), int(cfg.trainer.eval_step)
    )
    if len(splits.val_origins) == 0 or len(splits.test_origins) == 0:
        raise ConfigError(
            "trainer.eval_step", cfg.trainer.eval_step, "a step that leaves origins in both splits"
        )
    values = panel.values[: splits.length]

    import torch
    from neuralforecast import NeuralForecast
    from pytorch_lightning.callbacks import Timer

    if cfg.trainer.num_threads is not None:
        torch.set_num_threads(int(cfg.trainer.num_threads))
    callbacks: list[Any] = [Timer()]
    if reporter is not None:
        callbacks.append(_pruning(cfg, values, splits, reporter))
    model = build_model(cfg, arch, panel.n_series, callbacks=callbacks)
    params = count_parameters(model)
    nf = NeuralForecast(models=[model], freq=1)
    frame = panel.long()
    frame = frame[frame["ds"] < splits.length]
    setup_time = time.perf_counter() - start

    cv_start = time.perf_counter()
    try:
        cv = nf.cross_validation(
            frame, n_windows=splits.n_windows, step_size=splits.step, refit=False, verbose=False
        )
    except Exception as err:
        raise _as_trial_failure(err, cfg) from err
    cv_time = time.perf_counter() - cv_start
    fitted = nf.models[0]
    timer = next(cb for cb in fitted.trainer_kwargs["callbacks"] if isinstance(cb, Timer))
    train_time = float(timer.time_elapsed("train"))
    losses = [float(loss) for _, loss in getattr(fitted, "train_trajectories", [])]
    if any(not math.isfinite(x) for x in losses):
        raise TrialFailed(f"training diverged: non-finite training loss (lr={cfg.regularization.lr})")

    eval_start = time.perf_counter()
    column = type(model).__name__
    forecast = cv.groupby(["cutoff", "unique_id"], sort=True)[column].sum().unstack("unique_id")
    forecast = forecast.loc[:, list(panel.ids)]
    cutoffs = forecast.index.to_numpy().astype(np.int64)
    if cutoffs[0] != splits.train_end - 1 or len(cutoffs) != splits.n_windows:
        raise TrialFailed(
            f"forecast origins {cutoffs[0]}..{cutoffs[-1]} do not match the splits "
            f"(expected {splits.n_windows} from {splits.train_end - 1})"
        )
    scores = forecast.to_numpy(dtype=np.float64)
    if not np.isfinite(scores).all():
        raise TrialFailed("training diverged: the forecasts contain NaN or inf")
    row_of = {int(c): i for i, c in enumerate(cutoffs)}
    threshold = float(cfg.objective.threshold)

    def split_metrics(origins: np.ndarray) -> tuple[float, float, float, float]:
        rows = [row_of[int(c)] for c in origins]
        realised = horizon_change(values, origins, horizon)
        model_auc = direction_auc(realised, scores[rows], threshold)
        naive_auc = direction_auc(realised, naive_scores(values, origins, horizon), threshold)
        linear_auc = direction_auc(
            realised, linear_scores(values, splits, horizon, origins), threshold
        )
        targets = cv[cv["cutoff"].isin(origins)]
        mae = float(np.mean(np.abs(targets[column].to_numpy() - targets["y"].to_numpy())))
        return model_auc, naive_auc, linear_auc, mae

    val_auc, naive_val, linear_val, val_mae = split_metrics(splits.val_origins)
    test_auc, naive_test, linear_test, test_mae = split_metrics(splits.test_origins)
    objective = val_auc if str(cfg.objective.name) == "auc" else val_mae
    eval_time = time.perf_counter() - eval_start + (cv_time - train_time)

    result = TrialResult(
        budget=str(cfg.budget.name),
        style=str(cfg.style.name),
        model=str(cfg.model.name),
        d_model=arch.d_model,
        n_layers=arch.n_layers,
        n_heads=arch.n_heads,
        d_ff=arch.d_ff,
        params_formula=arch.formula_params,
        params_exact=params,
        dropout=float(cfg.regularization.dropout),
        lr=float(cfg.regularization.lr),
        weight_decay=float(cfg.regularization.weight_decay),
        batch_size=int(cfg.model.batch_size),
        seed=int(cfg.seed),
        n_series=panel.n_series,
        train_steps=int(cfg.trainer.max_steps),
        objective=str(cfg.objective.name),
        direction=str(cfg.objective.direction),
        objective_value=float(objective),
        val_auc=val_auc,
        test_auc=test_auc,
        naive_val_auc=naive_val,
        naive_test_auc=naive_test,
        linear_val_auc=linear_val,
        linear_test_auc=linear_test,
        val_mae=val_mae,
        test_mae=test_mae,
        n_val_origins=len(splits.val_origins),
        n_test_origins=len(splits.test_origins),
        final_train_loss=losses[-1] if losses else float("nan"),
        wall_time_s=time.perf_counter() - start,
        train_time_s=train_time,
        setup_time_s=setup_time,
        eval_time_s=eval_time,
    )
    if output_dir is not None:
        write_result(result, Path(output_dir) / "result.json")
    return result


def _pruning(cfg: DictConfig, values: np.ndarray, splits: Any, reporter: Reporter) -> Any:
    """The Lightning callback that reports the validation objective during training."""
    horizon, origins = int(cfg.data.horizon), splits.val_origins
    realised = horizon_change(values, origins, horizon)
    steps = np.stack([values[c + 1 : c + 1 + horizon] for c in origins])  # [B, h, N]
    threshold, use_auc = float(cfg.objective.threshold), str(cfg.objective.name) == "auc"

    def objective(model: Any) -> float:
        forecast = validation_forecast(model, values, origins, int(cfg.model.input_size))
        if use_auc:
            return direction_auc(realised, forecast.sum(axis=1), threshold)
        return float(np.mean(np.abs(forecast - steps)))

    return pruning_callback(reporter.every, objective, reporter)


def _as_trial_failure(err: Exception, cfg: DictConfig) -> Exception:
    """Name the failures a search expects (divergence, out of memory); pass others through."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if re.search(r"\b(nan|inf)\b", text, flags=re.IGNORECASE):
        return TrialFailed(f"training diverged: {text} (lr={cfg.regularization.lr})")
    if "out of memory" in text.lower() or isinstance(err, MemoryError):
        return TrialFailed(f"out of memory: {text}")
    return err


def write_result(result: TrialResult, path: Path) -> None:
    """Write the result as JSON (atomically: a reader never sees half a file)."""
    payload: dict[str, Any] = asdict(result)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)

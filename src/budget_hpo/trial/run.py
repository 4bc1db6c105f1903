"""One budget-aware trial: size, build, train and score a neuralforecast transformer.

``run_trial(cfg)`` is the whole job; the Hydra entry point only calls it. Everything that can be
wrong with the input is checked before the model trains (:class:`ConfigError`); a run that
diverges raises :class:`TrialFailed` instead of returning a number.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from budget_hpo.errors import ConfigError, TrialFailed
from budget_hpo.forecast_losses import mean_loss
from budget_hpo.schema import Config, typed_config
from budget_hpo.trial.architecture import Architecture, DataShape
from budget_hpo.trial.checkpoint import save_checkpoint
from budget_hpo.trial.data import Panel, load_panel, required_length
from budget_hpo.trial.evaluation import (
    Splits,
    direction_auc,
    horizon_change,
    horizon_steps,
    make_splits,
)
from budget_hpo.trial.forecasts import forecast_table, write_forecasts
from budget_hpo.trial.models import build_model, count_parameters
from budget_hpo.trial.pruning import Reporter, pruning_callback, validation_forecast
from budget_hpo.trial.result import TrialResult, write_result
from budget_hpo.trial.scoring import (
    Fit,
    SplitMetrics,
    baseline_fields,
    loss_fields,
    model_fields,
    score_forecasts,
    split_scores,
)
from budget_hpo.trial.sizing import Sized, size_model
from budget_hpo.trial.tiny import TINY, fit_tiny
from budget_hpo.trial.tracking import RunInfo, build_logger
from budget_hpo.trial.validation import check_values

__all__ = ["TrialResult", "fit_and_forecast", "forecast_steps", "prepare_data", "run_trial"]

log = logging.getLogger(__name__)


def run_trial(
    cfg: DictConfig | Config, output_dir: str | Path | None = None,
    reporter: Reporter | None = None, run: RunInfo | None = None,
) -> TrialResult:
    """Run one trial and, when ``output_dir`` is given, write ``result.json`` and the saved
    forecasts (``forecasts.parquet``) there.

    With a ``reporter`` (a pruned sweep), the validation objective is reported every
    ``reporter.every`` steps and the run stops with ``optuna.TrialPruned`` when pruned. ``run``
    names the trial's training curves (``logger``).

    Raises:
        ConfigError: bad input (before any training).
        TrialFailed: training diverged or produced non-finite forecasts.
    """
    start = time.perf_counter()
    settings = typed_config(cfg)
    check_values(settings)
    panel, splits = prepare_data(settings)
    sized = size_model(settings, DataShape.from_config(settings, panel.n_series))
    arch = sized.arch
    folder = None if output_dir is None else Path(output_dir)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    logger, curves = build_logger(settings, folder, run or RunInfo())
    if settings.model.name == TINY:  # the search machinery's test fixture (trial.tiny)
        fit = fit_tiny(settings, arch, panel, splits, reporter, setup_start=start)
    else:
        fit = fit_and_forecast(settings, arch, panel, splits, reporter, setup_start=start,
                               logger=logger)
    scored = split_scores(settings, panel, splits, fit)
    metrics = score_forecasts(settings, scored)
    saved = None if folder is None else write_forecasts(forecast_table(panel, splits, scored),
                                                         folder)
    result = _assemble(settings, sized, panel, splits, fit, metrics, start)
    result = replace(result, curves=curves, forecasts=None if saved is None else str(saved))
    if (folder is not None and settings.search.artifacts.checkpoints_top_k > 0
            and fit.model is not None):  # the tiny fixture has no model to save
        save_checkpoint(fit.model, settings, panel.n_series, folder)
    if folder is not None:
        write_result(result, folder / "result.json")
    return result


def prepare_data(cfg: Config) -> tuple[Panel, Splits]:
    """Load the panel and lay out the time-ordered splits; refuse data too short for them."""
    panel = load_panel(cfg.data)
    data = cfg.data
    need = required_length(data, cfg.model.input_size)
    if panel.length < need:
        raise ConfigError(
            "data",
            f"{panel.length} steps",
            f"series of at least input_size + horizon + val_size + test_size = {need} steps",
        )
    splits = make_splits(
        panel.length, data.horizon, data.val_size, data.test_size, cfg.trainer.eval_step
    )
    if len(splits.val_origins) == 0 or len(splits.test_origins) == 0:
        raise ConfigError(
            "trainer.eval_step", cfg.trainer.eval_step, "a step that leaves origins in both splits"
        )
    values = panel.values[: splits.length]
    for name, origins in (("validation", splits.val_origins), ("test", splits.test_origins)):
        up = horizon_change(values, origins, data.horizon) > cfg.objective.threshold
        if up.all() or not up.any():  # an AUC needs both classes: refuse before training
            raise ConfigError("objective.threshold", cfg.objective.threshold,
                              f"a value that splits the {name} changes into two classes "
                              f"(all {up.size} labels are {bool(up.flat[0])})")
    return panel, splits


def fit_and_forecast(
    cfg: Config, arch: Architecture, panel: Panel, splits: Splits, reporter: Reporter | None,
    *, setup_start: float, logger: Any = False,
) -> Fit:
    """Train once on the training split and forecast from every origin of both later splits."""
    import torch
    from neuralforecast import NeuralForecast
    from pytorch_lightning.callbacks import Timer

    if cfg.trainer.num_threads is not None:
        torch.set_num_threads(cfg.trainer.num_threads)
    values = panel.values[: splits.length]
    callbacks: list[Any] = [Timer()]
    if reporter is not None:
        callbacks.append(_pruning(cfg, values, splits, reporter))
    model = build_model(cfg, arch, panel.n_series, callbacks=callbacks, logger=logger)
    nf = NeuralForecast(models=[model], freq=1)
    frame = panel.long()
    frame = frame[frame["ds"] < splits.length]
    setup_time = time.perf_counter() - setup_start
    try:
        cv = nf.cross_validation(
            frame, n_windows=splits.n_windows, step_size=splits.step, refit=False, verbose=False
        )
    except Exception as err:
        raise _as_trial_failure(err, cfg) from err
    fitted = nf.models[0]
    timer = next(cb for cb in fitted.trainer_kwargs["callbacks"] if isinstance(cb, Timer))
    losses = tuple(float(loss) for _, loss in getattr(fitted, "train_trajectories", []))
    if any(not math.isfinite(x) for x in losses):
        raise TrialFailed(
            f"training diverged: non-finite training loss (lr={cfg.regularization.lr})"
        )
    cutoffs, forecast = forecast_steps(cv, type(model).__name__, panel.ids)
    if cutoffs[0] != splits.train_end - 1 or len(cutoffs) != splits.n_windows:
        raise TrialFailed(
            f"forecast origins {cutoffs[0]}..{cutoffs[-1]} do not match the splits "
            f"(expected {splits.n_windows} from {splits.train_end - 1})"
        )
    if not np.isfinite(forecast).all():
        raise TrialFailed("training diverged: the forecasts contain NaN or inf")
    return Fit(forecast, {int(c): i for i, c in enumerate(cutoffs)},
               count_parameters(model), losses, setup_time, float(timer.time_elapsed("train")),
               fitted)


def forecast_steps(cv: pd.DataFrame, column: str, ids: Sequence[str]
                   ) -> tuple[np.ndarray, np.ndarray]:
    """neuralforecast's ``cross_validation`` frame (a row per cutoff, series and ``ds``) as the
    sorted cutoffs and the forecast of each step ahead, ``[cutoffs, horizon, series]`` with the
    series in the order of ``ids``."""
    wide = cv.assign(ahead=cv["ds"] - cv["cutoff"]).pivot(
        index=["cutoff", "ahead"], columns="unique_id", values=column)  # sorted rows
    cutoffs = wide.index.get_level_values("cutoff").unique().to_numpy().astype(np.int64)
    steps = wide.loc[:, list(ids)].to_numpy(dtype=np.float64)  # [cutoffs · horizon, series]
    return cutoffs, steps.reshape(len(cutoffs), -1, len(ids))


def _pruning(cfg: Config, values: np.ndarray, splits: Splits, reporter: Reporter) -> Any:
    """The Lightning callback that reports the validation objective during training."""
    horizon, origins = cfg.data.horizon, splits.val_origins
    realised = horizon_change(values, origins, horizon)
    steps = horizon_steps(values, origins, horizon)  # [B, h, N]
    threshold, name = cfg.objective.threshold, cfg.objective.name

    def objective(model: Any) -> float:
        forecast = validation_forecast(model, values, origins, cfg.model.input_size)
        if name == "auc":
            return direction_auc(realised, forecast.sum(axis=1), threshold)
        return mean_loss(name, forecast, steps)

    return pruning_callback(reporter.every, objective, reporter)


def _as_trial_failure(err: Exception, cfg: Config) -> Exception:
    """Name the failures a search expects (divergence, out of memory); pass others through."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    if re.search(r"\b(nan|inf)\b", text, flags=re.IGNORECASE):
        return TrialFailed(f"training diverged: {text} (lr={cfg.regularization.lr})")
    if "out of memory" in text.lower() or isinstance(err, MemoryError):
        return TrialFailed(f"out of memory: {text}")
    return err


def _assemble(
    cfg: Config, sized: Sized, panel: Panel, splits: Splits, fit: Fit,
    metrics: dict[str, SplitMetrics], start: float,
) -> TrialResult:
    """Assemble the result of a finished trial (``start``: when the trial began)."""
    val, test, arch = metrics["val"], metrics["test"], sized.arch
    eval_time = time.perf_counter() - start - fit.setup_time_s - fit.train_time_s
    return TrialResult(
        budget=cfg.budget.name, budget_params=sized.budget_params, style=cfg.style.name,
        model=cfg.model.name, shape=sized.shape,
        d_model=arch.d_model, n_layers=arch.n_layers, n_heads=arch.n_heads, d_ff=arch.d_ff,
        params_formula=arch.formula_params, params_exact=fit.params_exact,
        dropout=cfg.regularization.dropout, lr=cfg.regularization.lr,
        weight_decay=cfg.regularization.weight_decay, batch_size=cfg.model.batch_size,
        seed=cfg.seed, n_series=panel.n_series, train_steps=cfg.trainer.max_steps,
        objective=cfg.objective.name, direction=cfg.objective.direction,
        objective_value=val.objective(cfg.objective.name),
        **model_fields("val", val), **model_fields("test", test),
        losses={**loss_fields("val", val), **loss_fields("test", test)},
        baselines={**baseline_fields("val", val), **baseline_fields("test", test)},
        n_val_origins=len(splits.val_origins), n_test_origins=len(splits.test_origins),
        final_train_loss=fit.losses[-1] if fit.losses else float("nan"),
        wall_time_s=time.perf_counter() - start, train_time_s=fit.train_time_s,
        setup_time_s=fit.setup_time_s, eval_time_s=eval_time,
    )

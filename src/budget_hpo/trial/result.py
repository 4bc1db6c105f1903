"""What a trial measured: :class:`TrialResult`, written as ``result.json`` beside the job's log.

The forecast losses and the baselines' metrics are kept by name in ``TrialResult.losses`` and
``TrialResult.baselines`` (flat, under the names of :func:`budget_hpo.forecast_losses.loss_keys`
and :func:`budget_hpo.trial.baselines.metric_keys`), read as attributes (``result.val_mse``,
``result.naive_val_auc``) and written into ``result.json`` after the fixed fields, under the
same names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from budget_hpo.forecast_losses import LossAttributes
from budget_hpo.trial.baselines import SPLITS, baselines, metric_keys

__all__ = ["TrialResult", "write_result"]


@dataclass(frozen=True)
class TrialResult(LossAttributes):
    """What a trial measured; written as ``result.json`` and summarised in one line."""

    budget: str
    budget_params: int  # the budget's parameter count
    style: str
    model: str
    shape: str  # pinned (the budget file's shape) | solved (by the sizer, from the exact count)
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
    val_auc_low: float
    val_auc_high: float
    test_auc_low: float
    test_auc_high: float
    n_val_origins: int
    n_test_origins: int
    final_train_loss: float
    wall_time_s: float
    train_time_s: float
    setup_time_s: float
    eval_time_s: float
    losses: dict[str, float] = field(default_factory=dict)  # val_mse, val_mse_low, test_mae...
    baselines: dict[str, float] = field(default_factory=dict)  # naive_val_auc, val_minus_gbt...
    curves: str | None = None  # where the training curves went (logger), if anywhere
    forecasts: str | None = None  # the saved forecasts (forecasts.parquet), if written

    def summary(self) -> str:
        """The one-line summary printed at the end of a trial."""
        return (
            f"{self.budget}/{self.style} {self.model} d_model={self.d_model} "
            f"n_layers={self.n_layers} n_heads={self.n_heads} params={self.params_exact:,} "
            f"val_auc={self.val_auc:.4f} [{self.val_auc_low:.3f}, {self.val_auc_high:.3f}] "
            f"test_auc={self.test_auc:.4f} [{self.test_auc_low:.3f}, {self.test_auc_high:.3f}] "
            f"({self._baseline_summary()}) "
            f"{self.objective}={self.objective_value:.4f} wall={self.wall_time_s:.1f}s"
        )

    def _baseline_summary(self) -> str:
        """``naive 0.438/0.718, linear 0.778/0.854, ...``: each baseline's val/test AUC."""
        aucs = {b.name: [self.baselines.get(metric_keys(b.name, s).auc) for s in SPLITS]
                for b in baselines()}
        return ", ".join(f"{name} {val:.3f}/{test:.3f}" for name, (val, test) in aucs.items()
                         if val is not None and test is not None)

    def to_dict(self) -> dict[str, Any]:
        """The flat fields of ``result.json``: the fixed ones, every loss and every baseline
        metric."""
        fixed = {f.name: getattr(self, f.name) for f in fields(self)
                 if f.name not in ("losses", "baselines")}
        return {**fixed, **self.losses, **self.baselines}


def write_result(result: TrialResult, path: Path) -> None:
    """Write the result as JSON (atomically: a reader never sees half a file)."""
    payload = result.to_dict()
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)

"""What a trial measured: :class:`TrialResult`, written as ``result.json`` beside the job's log."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["TrialResult", "write_result"]


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
    val_auc_low: float
    val_auc_high: float
    test_auc_low: float
    test_auc_high: float
    naive_val_auc_low: float
    naive_val_auc_high: float
    linear_val_auc_low: float
    linear_val_auc_high: float
    naive_test_auc_low: float
    naive_test_auc_high: float
    linear_test_auc_low: float
    linear_test_auc_high: float
    val_minus_naive: float
    val_minus_naive_low: float
    val_minus_naive_high: float
    val_minus_linear: float
    val_minus_linear_low: float
    val_minus_linear_high: float
    test_minus_naive: float
    test_minus_naive_low: float
    test_minus_naive_high: float
    test_minus_linear: float
    test_minus_linear_low: float
    test_minus_linear_high: float
    val_mae: float
    test_mae: float
    n_val_origins: int
    n_test_origins: int
    final_train_loss: float
    wall_time_s: float
    train_time_s: float
    setup_time_s: float
    eval_time_s: float
    curves: str | None = None  # where the training curves went (logger), if anywhere
    forecasts: str | None = None  # the saved forecasts (forecasts.parquet), if written

    def summary(self) -> str:
        """The one-line summary printed at the end of a trial."""
        return (
            f"{self.budget}/{self.style} {self.model} d_model={self.d_model} "
            f"n_layers={self.n_layers} n_heads={self.n_heads} params={self.params_exact:,} "
            f"val_auc={self.val_auc:.4f} [{self.val_auc_low:.3f}, {self.val_auc_high:.3f}] "
            f"test_auc={self.test_auc:.4f} [{self.test_auc_low:.3f}, {self.test_auc_high:.3f}] "
            f"(naive {self.naive_val_auc:.3f}/{self.naive_test_auc:.3f}, "
            f"linear {self.linear_val_auc:.3f}/{self.linear_test_auc:.3f}) "
            f"{self.objective}={self.objective_value:.4f} wall={self.wall_time_s:.1f}s"
        )


def write_result(result: TrialResult, path: Path) -> None:
    """Write the result as JSON (atomically: a reader never sees half a file)."""
    payload: dict[str, Any] = asdict(result)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    tmp.replace(path)

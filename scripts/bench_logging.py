"""What training curves and saved forecasts cost a 2M trial, as shares of its wall time.

Two measurements, in one process, on the same config (2M shallow, the default training):

* direct: every call of the logger (metrics, hyperparameters, flushes) and of the forecast
  saving (building the table, writing the Parquet file) is timed inside the trial, for
  ``logger=csv`` and ``logger=tensorboard``: a precise share, immune to the machine's noise;
* end to end: trials without them (``logger=none``, forecast saving switched off in this
  process) and with them are interleaved ``--reps`` times; the ratio of the medians shows the
  same share with this machine's run-to-run noise (a few %) on top.

    python scripts/bench_logging.py                 # ~8 minutes on 2 cores
    python scripts/bench_logging.py --steps 100 --reps 2
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

SPENT: list[float] = []  # seconds inside the timed calls of the current trial


def timed(owner: Any, name: str) -> None:
    """Wrap ``owner.name`` so that its calls add their seconds to :data:`SPENT`."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT.append(time.perf_counter() - start)

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", default="2M")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    from pytorch_lightning.loggers import CSVLogger, TensorBoardLogger

    import budget_hpo.trial.run as run
    from budget_hpo.compose import compose_config

    for cls in (CSVLogger, TensorBoardLogger):
        for method in ("log_metrics", "log_hyperparams", "save", "finalize"):
            timed(cls, method)
    timed(run, "forecast_table")
    timed(run, "write_forecasts")
    saving = (run.forecast_table, run.write_forecasts)
    skipping = (lambda *a: None, lambda table, folder: None)

    def trial(arm: str, folder: Path) -> float:
        run.forecast_table, run.write_forecasts = skipping if arm == "off" else saving
        cfg = compose_config([f"budget={args.budget}", f"trainer.max_steps={args.steps}",
                              f"logger={'none' if arm == 'off' else arm}"])
        SPENT.clear()
        return run.run_trial(cfg, output_dir=folder).wall_time_s

    walls: dict[str, list[float]] = {"off": [], "csv": [], "tensorboard": []}
    shares: dict[str, list[float]] = {"csv": [], "tensorboard": []}
    with tempfile.TemporaryDirectory() as tmp:
        trial("off", Path(tmp) / "warm-up")  # imports and first-call costs
        for rep in range(args.reps):
            for arm in walls:
                wall = trial(arm, Path(tmp) / f"{arm}-{rep}")
                walls[arm].append(wall)
                extra = ""
                if arm != "off":
                    shares[arm].append(sum(SPENT) / wall)
                    extra = f"  in curves and forecasts: {sum(SPENT):.3f} s"
                print(f"rep {rep} {arm:12s} wall {wall:6.1f} s{extra}", flush=True)
    off = statistics.median(walls["off"])
    print(f"\n{args.budget} shallow, {args.steps} steps, {args.reps} interleaved repetitions")
    for arm in shares:
        direct = 100 * statistics.median(shares[arm])
        ratio = statistics.median(walls[arm]) / off
        print(f"logger={arm} + forecasts: {direct:.2f} % of the trial's wall time (timed "
              f"directly); end to end {ratio:.3f} x the trial without them")


if __name__ == "__main__":
    main()

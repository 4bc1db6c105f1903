"""Does torch.compile pay on CPU? One training step of a model, eager against compiled.

Builds the configured model (fast kernels as a trial uses them), times ``--steps`` optimiser
steps eagerly, then compiles a fresh copy with ``torch.compile`` and times the first step (the
compile) and ``--steps`` more, in one run.

    python scripts/bench_compile.py                          # 750k deep, ~2 minutes
    python scripts/bench_compile.py budget=2M style=shallow
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("overrides", nargs="*", default=["budget=750k", "style=deep"])
    args = parser.parse_args()

    import torch

    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.throughput import training_step
    from budget_hpo.trial.validation import check_config

    cfg = typed_config(compose_config(args.overrides))
    n_series, windows = 32, cfg.model.batch_size

    def fresh(compiled: bool) -> Callable[[], None]:
        torch.manual_seed(0)
        model = build_model(cfg, check_config(cfg), n_series=n_series)
        return training_step(model, windows, cfg.model.input_size, n_series,
                             horizon=cfg.data.horizon,
                             forward=torch.compile(model) if compiled else None)

    def steps(step: Callable[[], None], n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            step()
        return time.perf_counter() - start

    step = fresh(compiled=False)
    steps(step, 5)
    eager = steps(step, args.steps) / args.steps
    step = fresh(compiled=True)
    first = steps(step, 1)
    compiled = steps(step, args.steps) / args.steps
    even = first / (eager - compiled) if eager > compiled else float("inf")
    print(f"{' '.join(args.overrides)}: eager {eager * 1e3:.1f} ms/step, compiled "
          f"{compiled * 1e3:.1f} ms/step ({compiled / eager:.2f}x); the first compiled step "
          f"(compiling) {first:.1f} s; pays back after {even:.0f} steps")


if __name__ == "__main__":
    main()

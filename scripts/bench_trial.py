"""Benchmark one trial: matmul rate, MFU at 750k and 2M, non-training share, plan wall time.

Every figure is measured in this one run; ratios are what to compare across machines.

    python scripts/bench_trial.py            # ~6 minutes on 2 cores
    python scripts/bench_trial.py --steps 40 --quick
    python scripts/bench_trial.py --device cuda --budgets 20M,200M --quick   # on a GPU: bf16 MFU
"""

from __future__ import annotations

import argparse
import subprocess
import time

from budget_hpo.compose import compose_config
from budget_hpo.schema import typed_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=150, help="training steps per MFU trial")
    parser.add_argument("--share-steps", type=int, default=600, help="steps of the ~60 s trial")
    parser.add_argument("--quick", action="store_true", help="skip the non-training-share trial")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--budgets", default="750k,2M", help="comma-separated budgets")
    args = parser.parse_args()
    gpu = args.device == "cuda"

    start = time.perf_counter()
    proc = subprocess.run(["budget-hpo-plan"], capture_output=True, text=True)
    plan_wall = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr

    t0 = time.perf_counter()
    import neuralforecast.models  # noqa: F401  (the one-off import, measured on its own)
    import_s = time.perf_counter() - t0

    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.run import run_trial
    from budget_hpo.trial.throughput import matmul_rate, training_step_flops
    from budget_hpo.trial.validation import check_config

    def cfg(*overrides: str):
        return typed_config(compose_config(list(overrides)))

    import torch

    if gpu:
        peak = matmul_rate(n=8192, dtype=torch.bfloat16, device="cuda")
        rate_name = f"bf16 matmul rate on {torch.cuda.get_device_name()} (8192², best of 10)"
    else:
        peak = matmul_rate()
        rate_name = "fp32 matmul rate (2048², best of 10)"
    print(f"budget-hpo-plan wall time: {plan_wall:.2f} s (target < 10 s)")
    print(f"neuralforecast import: {import_s:.2f} s (once per process)")
    print(f"{rate_name}: {peak / 1e9:.1f} GFLOP/s")
    if not gpu:  # the feed-forward GEMMs of one step: 32 windows x 32 series tokens
        for d in (192, 320):
            small = matmul_rate(shape=(1024, d, 4 * d), repeats=20)
            print(f"  at the d_model={d} feed-forward shape (1024x{d} @ {d}x{4 * d}): "
                  f"{small / 1e9:.1f} GFLOP/s = {small / peak:.0%} of it")
    print()
    print(f"{'config':<16}{'kernels':>9}{'GFLOP/step':>12}{'s/step':>9}{'GFLOP/s':>9}{'MFU':>7}")
    configs = [(b, s) for b in args.budgets.split(",") for s in ("shallow", "deep")]
    for budget, style in configs:
        for fast in ((False,) if gpu else (False, True)):
            device = ["trainer=gpu"] if gpu else []
            c = cfg(*device, f"budget={budget}", f"style={style}", f"trainer.max_steps={args.steps}",
                    "trainer.eval_step=50", f"trainer.fast_kernels={fast}")
            arch = check_config(c)
            assert c.data.generator is not None
            n_series = c.data.generator.n_series
            model = build_model(c, arch, n_series)
            if gpu:
                model = model.to("cuda")
            flops = training_step_flops(model, c.model.batch_size, c.model.input_size, n_series)
            del model
            result = run_trial(c)
            per_step = result.train_time_s / args.steps
            rate = flops / per_step
            print(f"{budget + '/' + style:<16}{'fast' if fast else 'stock':>9}{flops / 1e9:>12.2f}"
                  f"{per_step:>9.3f}{rate / 1e9:>9.1f}{rate / peak:>7.1%}")

    if not args.quick:
        c = cfg("budget=2M", "style=shallow", f"trainer.max_steps={args.share_steps}")
        result = run_trial(c)
        other = result.wall_time_s - result.train_time_s
        print(f"\ntrial 2M/shallow, {args.share_steps} steps: wall {result.wall_time_s:.1f} s, "
              f"training {result.train_time_s:.1f} s, non-training {other:.1f} s "
              f"({other / result.wall_time_s:.1%} of wall; setup {result.setup_time_s:.2f} s, "
              f"evaluation {result.eval_time_s:.2f} s; imports already paid)")


if __name__ == "__main__":
    main()

"""Where a trial's training time goes on a device: torch.profiler around one trial per config,
after a warm-up trial, then its kernel launches, device-to-host copies and device time.

    python scripts/profile_step.py --device cuda                      # 20M deep, 200M shallow
    python scripts/profile_step.py --device cpu --configs 750k/deep --steps 5
    python scripts/profile_step.py --device cuda --table               # torch's tables as well

Per config: training seconds, kernel launches and device-to-host copies per step, and the GPU's
kernel time against the training time (a step whose kernels fill a small part of it is bound by
the host: Python, Lightning and the launches, not the chip).
"""

from __future__ import annotations

import argparse

from torch.profiler import ProfilerActivity, profile

from budget_hpo.compose import compose_config
from budget_hpo.schema import typed_config
from budget_hpo.trial.run import run_trial


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", choices=["cpu", "cuda"])
    parser.add_argument("--configs", default="20M/deep,200M/shallow", help="budget/style, ...")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--table", action="store_true", help="print torch's tables too")
    args = parser.parse_args()
    gpu = args.device == "cuda"
    for config in args.configs.split(","):
        budget, style = config.split("/")
        cfg = typed_config(compose_config([
            *(["trainer=gpu"] if gpu else []), f"budget={budget}", f"style={style}",
            f"trainer.max_steps={args.steps}", f"trainer.eval_step={args.steps + 10}"]))
        run_trial(cfg)  # warm-up: imports, kernels' first calls, allocator
        activities = [ProfilerActivity.CPU, *([ProfilerActivity.CUDA] if gpu else [])]
        with profile(activities=activities) as prof:
            result = run_trial(cfg)
        events = prof.key_averages()
        count = {e.key: e.count for e in events}
        launches = count.get("cudaLaunchKernel", 0) + count.get("cuLaunchKernelEx", 0)
        copies = count.get("Memcpy DtoH (Device -> Pageable)", 0)
        device_s = sum(e.self_device_time_total for e in events) / 1e6 if gpu else float("nan")
        print(f"{config}: {args.steps} steps, training {result.train_time_s:.2f} s; per step "
              f"{launches / args.steps:.0f} kernel launches, {copies / args.steps:.1f} "
              f"device-to-host copies; device time {device_s:.2f} s (the whole trial)")
        if args.table:
            print(events.table(sort_by="self_cpu_time_total", row_limit=25))


if __name__ == "__main__":
    main()

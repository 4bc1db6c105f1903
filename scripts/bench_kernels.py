"""The fast CPU kernels piece by piece: dropout masks, attention dropout, and where a training
step's time goes, all measured in one run.

* masks: ``rand_like`` (32 bits per element, as before) against 8 and 16 random bits per element
  (:func:`budget_hpo.trial.kernels.keep_mask` uses 16);
* attention forward and backward at 32 windows x 4 heads x 32 series x 32 dims with dropout 0.5:
  neuralforecast's ``FullAttention`` (``scaled_dot_product_attention``, which leaves its fused
  kernel for the math path when ``dropout_p > 0``) against the re-classed ``FastFullAttention``;
* one training step of a model with and without the fast kernels, and its top operators.

    python scripts/bench_kernels.py                       # 750k deep, ~1 minute
    python scripts/bench_kernels.py budget=2M style=shallow
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any


def per_call(fn: Callable[[], Any], n: int) -> float:
    """Seconds per call of ``fn`` (after 5 warm-up calls)."""
    for _ in range(5):
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def masks(torch: Any, p: float = 0.5) -> None:
    from budget_hpo.trial.kernels import keep_mask

    def bits8(x: Any) -> Any:
        words = torch.randint(-(2**63), 2**63 - 1, ((x.numel() + 7) // 8,), dtype=torch.int64)
        return words.view(torch.uint8)[: x.numel()].view(x.shape) < round(256 * (1 - p))

    print("dropout masks (ms per mask):")
    for shape in ((32, 32, 128), (32, 32, 512), (32, 32, 1280)):
        x = torch.randn(shape)
        old = per_call(lambda x=x: torch.rand_like(x).ge_(p), 100)
        eight = per_call(lambda x=x: bits8(x), 100)
        sixteen = per_call(lambda x=x: keep_mask(x, p), 100)
        print(f"  {str(shape):15s} rand_like {old * 1e3:.3f}, 8-bit {eight * 1e3:.3f} "
              f"({old / eight:.1f}x faster), 16-bit {sixteen * 1e3:.3f} ({old / sixteen:.1f}x)")


def attention(torch: Any) -> None:
    from neuralforecast.common._modules import FullAttention

    from budget_hpo.trial.kernels import use_fast_kernels

    q, k, v = (torch.randn(32, 32, 4, 32, requires_grad=True) for _ in range(3))
    grad = torch.randn(32, 32, 4, 32)
    stock = FullAttention(mask_flag=False, attention_dropout=0.5).train()
    fast = FullAttention(mask_flag=False, attention_dropout=0.5).train()
    use_fast_kernels(fast)
    times = {name: per_call(lambda m=module: m(q, k, v, None)[0].backward(grad), 200)
             for name, module in (("stock (SDPA, dropout 0.5)", stock), ("fast", fast))}
    print("attention forward + backward, 32x4x32x32, dropout 0.5: "
          + ", ".join(f"{name} {t * 1e3:.2f} ms" for name, t in times.items()))


def steps(torch: Any, overrides: list[str]) -> None:
    from torch.profiler import profile

    from budget_hpo.configs import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.validate import check_config

    x = torch.randn(32, 64, 32)
    batch = {"insample_y": x, "insample_mask": torch.ones_like(x), "futr_exog": None,
             "hist_exog": None, "stat_exog": None}
    target = torch.randn(32, 1, 32)
    for fast in (False, True):
        cfg = typed_config(compose_config([*overrides, f"trainer.fast_kernels={fast}"]))
        torch.manual_seed(0)
        model = build_model(cfg, check_config(cfg), n_series=32).train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, fused=fast)

        def step(model: Any = model, opt: Any = opt) -> None:
            opt.zero_grad(set_to_none=True)
            ((model(batch) - target) ** 2).mean().backward()
            opt.step()

        seconds = per_call(step, 30)
        print(f"{' '.join(overrides)}, fast_kernels={fast}: {seconds * 1e3:.1f} ms per step")
        if fast:
            with profile() as prof:
                for _ in range(20):
                    step()
            events = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
            total = sum(e.self_cpu_time_total for e in events)
            print("  top operators by own time: " + ", ".join(
                f"{e.key} {100 * e.self_cpu_time_total / total:.1f}%" for e in events[:8]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", default=["budget=750k", "style=deep"])
    args = parser.parse_args()
    import torch

    masks(torch)
    attention(torch)
    steps(torch, args.overrides)


if __name__ == "__main__":
    main()

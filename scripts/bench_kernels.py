"""The fast CPU kernels piece by piece: dropout masks, attention dropout, and where a training
step's time goes, all measured in one run.

* masks: ``rand_like`` (32 bits per element) against 8 and 16 bits per element from ``randint``
  (Mersenne Twister) and :func:`budget_hpo.trial.dropout.keep_mask` (16 bits from SFC64, compared
  straight into the float mask);
* attention forward and backward at 32 windows x 4 heads x 32 series x 32 dims with dropout 0.5:
  neuralforecast's ``FullAttention`` (``scaled_dot_product_attention``, which leaves its fused
  kernel for the math path when ``dropout_p > 0``) against the re-classed ``FastFullAttention``;
* one training step of a model with and without the fast kernels, and its top operators;
* where the fast step's time goes: the model as configured, with dropout 0 and with d_model 16,
  each against its FLOPs at the measured matmul rate and against its own matrix multiplies
  replayed alone (the MFU the step would reach if every other operator were free).

    python scripts/bench_kernels.py                       # 750k deep, ~2 minutes
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
    from budget_hpo.trial.dropout import keep_mask

    def bits(x: Any, per_word: int) -> Any:  # randint's Mersenne Twister, 64/per_word bits each
        words = torch.randint(-(2**63), 2**63 - 1, ((x.numel() + per_word - 1) // per_word,),
                              dtype=torch.int64)
        small = torch.uint8 if per_word == 8 else torch.int16
        return words.view(small)[: x.numel()].view(x.shape)

    def twister16(x: Any) -> Any:  # the previous 16-bit mask: randint, compare, cast, scale
        return (bits(x, 4) < round(65536 * (1 - p)) - 32768).to(x.dtype).mul_(
            65536 / round(65536 * (1 - p)))

    print("dropout masks (ms per mask):")
    for shape in ((32, 32, 128), (32, 32, 512), (32, 32, 1280)):
        x = torch.randn(shape)
        old = per_call(lambda x=x: torch.rand_like(x).ge_(p), 100)
        eight = per_call(lambda x=x: bits(x, 8) < round(256 * (1 - p)), 100)
        sixteen = per_call(lambda x=x: twister16(x), 100)
        new = per_call(lambda x=x: keep_mask(x, p), 100)
        print(f"  {str(shape):15s} rand_like {old * 1e3:.3f}, 8-bit {eight * 1e3:.3f} "
              f"({old / eight:.1f}x faster), 16-bit randint {sixteen * 1e3:.3f} "
              f"({old / sixteen:.1f}x), 16-bit SFC64 keep_mask {new * 1e3:.3f} ({old / new:.1f}x)")


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

    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.throughput import training_step
    from budget_hpo.trial.validation import check_config

    for fast in (False, True):
        cfg = typed_config(compose_config([*overrides, f"trainer.fast_kernels={fast}"]))
        torch.manual_seed(0)
        model = build_model(cfg, check_config(cfg), n_series=32)
        step = training_step(model, 32, 64, 32, fused=fast)
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


def ceiling(torch: Any, overrides: list[str], rounds: int = 8) -> None:
    """What the fast step spends beyond its matrix multiplies: the configured model against the
    same with dropout 0 and with d_model 16 (what does not grow with the width: attention over
    the series, norms, the optimiser, per-operator overhead), timed in interleaved rounds, each
    beside :func:`matmuls_alone`."""
    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.throughput import matmul_rate, training_step, training_step_flops
    from budget_hpo.trial.validation import check_config

    style = typed_config(compose_config(overrides)).style.name
    variants = {"as configured": [], "dropout 0": ["regularization.dropout=0.0"],
                "d_model 16": [f"budget.{style}.d_model=16"]}
    built = {}
    for name, extra in variants.items():
        cfg = typed_config(compose_config([*overrides, *extra]))
        torch.manual_seed(0)
        model = build_model(cfg, check_config(cfg), n_series=32)
        built[name] = (model, training_step(model, 32, 64, 32))

    def ten(step: Callable[[], None]) -> None:
        for _ in range(10):
            step()

    times: dict[str, list[float]] = {name: [] for name in built}
    for _ in range(rounds):
        for name, (_, step) in built.items():
            times[name].append(per_call(lambda s=step: ten(s), 1) / 10)
    peak = matmul_rate()
    print(f"where the fast step's time goes ({' '.join(overrides)}; median of {rounds} rounds of "
          f"10 steps, fp32 matmul rate {peak / 1e9:.0f} GFLOP/s):")
    for name, (model, step) in built.items():
        flops = training_step_flops(model, 32, 64, 32)
        seconds = sorted(times[name])[rounds // 2]
        alone = matmuls_alone(torch, step)
        print(f"  {name:14s} {seconds * 1e3:6.1f} ms per step, MFU {flops / seconds / peak:5.1%}; "
              f"its FLOPs at the matmul rate: {flops / peak * 1e3:.1f} ms; its matrix multiplies "
              f"alone: {alone * 1e3:.1f} ms (MFU {flops / alone / peak:.1%} if all else were free)")


def matmuls_alone(torch: Any, step: Callable[[], None], rounds: int = 5) -> float:
    """Seconds the matrix multiplies of one call of ``step`` take on their own: each ``mm``,
    ``addmm`` and ``bmm`` the step dispatches (forward, backward), replayed on fresh tensors of
    the same shapes and strides (best of ``rounds``)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    aten = torch.ops.aten
    kinds = {aten.mm.default, aten.addmm.default, aten.bmm.default}
    calls: list[tuple[Any, list[Any]]] = []

    class Record(TorchDispatchMode):
        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None
                               ) -> Any:
            if func in kinds:
                calls.append((func, [torch.empty_strided(a.shape, a.stride()).normal_()
                                     if isinstance(a, torch.Tensor) else a for a in args]))
            return func(*args, **(kwargs or {}))

    with Record():
        step()
    return min(per_call(lambda: [func(*args) for func, args in calls], 3) for _ in range(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", default=["budget=750k", "style=deep"])
    args = parser.parse_args()
    import torch

    masks(torch)
    attention(torch)
    steps(torch, args.overrides)
    ceiling(torch, args.overrides)


if __name__ == "__main__":
    main()

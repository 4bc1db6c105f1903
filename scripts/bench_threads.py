"""Thread and allocator settings for CPU training: which pay? One run, every setting measured.

Each setting runs the configured model's bare training step (fast kernels, fused AdamW; no
Lightning) in a fresh process, and the settings alternate for ``--rounds`` rounds so the machine's
drift hits them all alike; each round starts one setting later, so none always runs first.
Reported per setting: the median time per step, the median of its per-round ratio to the
default (below 1 pays), the steps per second of the machine (all copies together), and the minor
page faults per step (memory the allocator got fresh from the kernel). The default runs twice
per round: its second row's ratio is the noise.

    python scripts/bench_threads.py                       # 750k deep, ~6 minutes on 2 cores
    python scripts/bench_threads.py --rounds 5 budget=2M style=shallow
    python scripts/bench_threads.py --rounds 8 --only "malloc keeps its memory"

Settings: torch's default (all cores, OpenMP threads spin a while after each parallel region);
one intra-op thread (what ``trainer.num_threads=1`` gives), alone and as two processes training at
once (two workers sharing the machine; their timed steps overlap); ``OMP_WAIT_POLICY`` passive and
active; threads bound to cores (``OMP_PROC_BIND``); glibc malloc that never returns memory to the
kernel (``GLIBC_TUNABLES`` mmap and trim thresholds at 1 GiB and 2 GiB, so no page faults on
reuse); jemalloc and tcmalloc by ``LD_PRELOAD`` where installed; denormals flushed to zero
(``torch.set_flush_denormal``: this one changes results at magnitudes below 1e-38, measured only).
"""

from __future__ import annotations

import argparse
import ctypes.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple


class Setting(NamedTuple):
    env: dict[str, str]
    flags: list[str]
    copies: int = 1  # processes training at once (their timed steps overlap)


SETTINGS: dict[str, Setting] = {
    "default": Setting({}, []),
    "default again (noise)": Setting({}, []),
    "1 intra-op thread": Setting({}, ["--threads", "1"]),
    "2 processes x 1 thread": Setting({}, ["--threads", "1"], copies=2),
    "OMP_WAIT_POLICY=PASSIVE": Setting({"OMP_WAIT_POLICY": "PASSIVE"}, []),
    "OMP_WAIT_POLICY=ACTIVE": Setting({"OMP_WAIT_POLICY": "ACTIVE"}, []),
    "OMP_PROC_BIND=close": Setting({"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"}, []),
    "malloc keeps its memory": Setting({"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=1073741824:"
                                                          "glibc.malloc.trim_threshold=2147483648"},
                                       []),
    "flush denormals": Setting({}, ["--flush-denormal"]),
}


def _meet(folder: Path, tag: str, peers: int, step: Callable[[], None] | None = None,
          patience: float = 600.0) -> None:
    """Wait until all ``peers`` processes have reached ``tag`` (stepping meanwhile, if given);
    after ``patience`` seconds a peer is taken for dead and this one goes on."""
    (folder / f"{tag}-{os.getpid()}").touch()
    deadline = time.monotonic() + patience
    while len(list(folder.glob(f"{tag}-*"))) < peers and time.monotonic() < deadline:
        if step is None:
            time.sleep(0.01)
        else:
            step()


def child(args: argparse.Namespace) -> None:
    """Time ``args.steps`` training steps here and print one JSON line."""
    import torch

    from budget_hpo.compose import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.models import build_model
    from budget_hpo.trial.throughput import training_step
    from budget_hpo.trial.validation import check_config

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.flush_denormal:
        torch.set_flush_denormal(True)
    cfg = typed_config(compose_config(args.overrides))
    torch.manual_seed(0)
    model = build_model(cfg, check_config(cfg), n_series=32)
    step = training_step(model, cfg.model.batch_size, cfg.model.input_size, 32)
    for _ in range(5):
        step()
    meeting = Path(args.meet) if args.meet else None
    if meeting is not None:  # the copies' timed steps start together ...
        _meet(meeting, "ready", args.copies)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    seconds = (time.perf_counter() - start) / args.steps
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / args.steps
    if meeting is not None:  # ... and none runs alone while another is still timing
        _meet(meeting, "done", args.copies, step)
    print(json.dumps({"step_s": seconds, "faults": faults, "threads": torch.get_num_threads()}))


def settings() -> dict[str, Setting]:
    """:data:`SETTINGS` plus jemalloc and tcmalloc where this machine has them."""
    found = dict(SETTINGS)
    for name in ("jemalloc", "tcmalloc"):
        path = ctypes.util.find_library(name)
        if path:
            found[name] = Setting({"LD_PRELOAD": path}, [])
        else:
            print(f"{name}: not installed here, not measured")
    return found


def measure(setting: Setting, args: argparse.Namespace) -> dict[str, Any]:
    """One run of ``setting``: its step time (the mean over its copies) and page faults."""
    with tempfile.TemporaryDirectory() as meeting:
        command = [sys.executable, __file__, "--child", "--steps", str(args.steps),
                   "--copies", str(setting.copies), "--meet", meeting, *setting.flags,
                   *args.overrides]
        env = {**os.environ, "PYTHONWARNINGS": "ignore", **setting.env}
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for _ in range(setting.copies)]
        outputs = [proc.communicate() for proc in procs]
    if any(proc.returncode for proc in procs):
        raise SystemExit("\n".join(err[-3000:] for _, err in outputs))
    rows = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    return {key: statistics.mean(row[key] for row in rows) for key in rows[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30, help="timed steps per process")
    parser.add_argument("--only", help="comma-separated settings to run (default: all)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--copies", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--meet", help=argparse.SUPPRESS)
    parser.add_argument("--flush-denormal", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("overrides", nargs="*", default=["budget=750k", "style=deep"])
    args = parser.parse_args()
    if args.child:
        return child(args)
    chosen = settings()
    if args.only:
        wanted = ["default", *args.only.split(",")]
        unknown = [name for name in wanted if name not in chosen]
        if unknown:
            parser.error(f"--only: unknown setting(s) {unknown}; known: {list(chosen)}")
        chosen = {name: chosen[name] for name in dict.fromkeys(wanted)}
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in chosen}
    names = list(chosen)
    for round_ in range(args.rounds):  # each round starts one setting later: no fixed order
        for name in names[round_ % len(names):] + names[: round_ % len(names)]:
            runs[name].append(measure(chosen[name], args))
    base = runs["default"]
    print(f"{' '.join(args.overrides)}: {args.steps} steps per process, {args.rounds} alternating "
          f"rounds (ratio: median over rounds of the setting's step time / the default's)")
    print(f"{'setting':28}{'threads':>8}{'ms/step':>9}{'ratio':>7}{'steps/s':>9}"
          f"{'faults/step':>13}")
    for name, rows in runs.items():
        ratios = (r["step_s"] / b["step_s"] for r, b in zip(rows, base, strict=True))
        copies = chosen[name].copies
        seconds = statistics.median(r["step_s"] for r in rows)
        print(f"{name:28}{rows[0]['threads']:>8.0f}{seconds * 1e3:>9.1f}"
              f"{statistics.median(ratios):>7.3f}{copies / seconds:>9.1f}"
              f"{statistics.median(r['faults'] for r in rows):>13.0f}")


if __name__ == "__main__":
    main()

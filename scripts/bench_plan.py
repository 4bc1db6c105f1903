"""How long `budget-hpo-plan` takes, beside the cost it no longer pays (importing neuralforecast).

Each plan runs as a fresh process, as a user types it; so does `python -c "import neuralforecast"`,
the import the plan used to pay to count parameters on the meta device. Rounds alternate the
commands, and the medians' ratios come from one run (these machines drift).

    python scripts/bench_plan.py                 # 3 rounds, about a minute
    python scripts/bench_plan.py --repeats 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PLANS = {
    "seed grid (18 forced configs)": [],
    "phase 1 on [1M,5M,50M]": ["search=phase1", "search.budgets=[1M,5M,50M]"],
    "PatchTST on [1M,5e6]": ["search=phase1", "search.budgets=[1M,5e6]", "model=patchtst"],
}


def timed(argv: list[str], cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    plan = shutil.which("budget-hpo-plan") or "budget-hpo-plan"
    commands = {name: [plan, *extra] for name, extra in PLANS.items()}
    commands["import neuralforecast"] = [sys.executable, "-c", "import neuralforecast"]
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as cwd:
        for _ in range(args.repeats):
            for name, argv in commands.items():
                seconds[name].append(timed(argv, cwd))
    base = statistics.median(seconds["import neuralforecast"])
    print(f"{'command':<32} {'median s':>9} {'ratio to import neuralforecast':>31}")
    for name, values in seconds.items():
        median = statistics.median(values)
        print(f"{name:<32} {median:>9.2f} {median / base:>31.2f}")


if __name__ == "__main__":
    main()

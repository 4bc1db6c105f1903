"""What the baselines cost a trial, before and after the cache, on the demo data.

Before: every trial fits and scores every baseline afresh. After: a study's later trials read
the scores from memory, and a worker's first trial on data another worker scored reads them from
the cache folder (objective.baseline_cache). Every figure is measured in this one run.

    python scripts/bench_baselines.py                   # data=synthetic at its default sizes
    python scripts/bench_baselines.py data.generator.n_series=64 --fresh-repeats 3
"""

from __future__ import annotations

import argparse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the trial's config")
    parser.add_argument("--fresh-repeats", type=int, default=1, help="fresh fits per baseline")
    parser.add_argument("--hit-repeats", type=int, default=20, help="cache reads timed")
    args = parser.parse_args()

    from budget_hpo.configs import compose_config
    from budget_hpo.schema import typed_config
    from budget_hpo.trial.baseline_bench import baseline_cost

    cost = baseline_cost(typed_config(compose_config(args.overrides)), args.fresh_repeats,
                         args.hit_repeats)
    steps, series = cost.shape
    print(f"panel {steps} steps x {series} series, {cost.origins} validation and test origins")
    for name, seconds in cost.fresh_s.items():
        print(f"  {name:<8} fitted afresh: {seconds:8.3f} s")
    total = cost.fresh_total_s
    print(f"before (every trial fits all): {total:8.3f} s per trial")
    print(f"after, from memory:            {cost.memory_s:8.4f} s per trial "
          f"({total / cost.memory_s:,.0f}x less)")
    print(f"after, from the cache folder:  {cost.disk_s:8.4f} s per trial "
          f"({total / cost.disk_s:,.0f}x less)")


if __name__ == "__main__":
    main()

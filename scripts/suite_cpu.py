"""Where the test suite's CPU goes: a pytest plugin that writes each test's wall time and the
user + system CPU of its process and of the children it reaped, then a summary by file.

    PYTHONPATH=scripts pytest -q -p suite_cpu            # writes suite_cpu.tsv (SUITE_CPU_OUT)
    python scripts/suite_cpu.py suite_cpu.tsv            # by file, then the 20 dearest tests

The suite is CPU-bound on 2 cores (about 190 % of them), so CPU, not wall time, says what a
change saves. A child's CPU counts when it is reaped: a joblib worker's lands in whichever test
its process exits under.
"""

from __future__ import annotations

import collections
import os
import resource
import sys
import time
from typing import Any

OUT = os.environ.get("SUITE_CPU_OUT", "suite_cpu.tsv")


def _cpu() -> tuple[float, float]:
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def pytest_runtest_protocol(item: Any, nextitem: Any) -> Any:  # a hookwrapper (below)
    own0, kids0 = _cpu()
    start = time.perf_counter()
    yield
    own1, kids1 = _cpu()
    with open(OUT, "a") as out:
        out.write(f"{item.nodeid}\t{time.perf_counter() - start:.2f}\t{own1 - own0:.2f}\t"
                  f"{kids1 - kids0:.2f}\t{os.environ.get('PYTEST_XDIST_WORKER', '')}\n")


pytest_runtest_protocol.hookwrapper = True  # type: ignore[attr-defined]


def main() -> None:
    rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1] if len(sys.argv) > 1
                                                            else OUT)]
    cpu = {r[0]: float(r[2]) + float(r[3]) for r in rows}
    by_file: collections.Counter[str] = collections.Counter()
    for nodeid, seconds in cpu.items():
        by_file[nodeid.split("::")[0]] += seconds
    print(f"{len(rows)} tests, {sum(cpu.values()):.0f} CPU-s\n\nCPU-s  file")
    for name, seconds in by_file.most_common():
        print(f"{seconds:6.1f}  {name}")
    print("\nCPU-s  test")
    for nodeid, seconds in sorted(cpu.items(), key=lambda kv: -kv[1])[:20]:
        print(f"{seconds:6.1f}  {nodeid}")


if __name__ == "__main__":
    main()

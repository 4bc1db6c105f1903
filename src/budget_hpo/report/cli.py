"""``budget-hpo-report [--storage URL] [--study NAME ...] [--out DIR]``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from budget_hpo.errors import ConfigError
from budget_hpo.report import DEFAULT_STORAGE, write_report
from budget_hpo.search.storage import STORAGE_ENV, display_url

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Write the report of one or more studies into a folder."""
    parser = argparse.ArgumentParser(
        prog="budget-hpo-report", description="Report of budget-hpo studies: trials.csv, "
        "summary.md, scaling.png, history.png. Reads only; works on a running study.")
    default = os.environ.get(STORAGE_ENV, DEFAULT_STORAGE)
    parser.add_argument("--storage", default=default,
                        help=f"default ${STORAGE_ENV}, else {DEFAULT_STORAGE}")
    parser.add_argument("--study", action="append", help="a study name (repeat); default: all "
                        "budget-hpo-* studies in the storage")
    parser.add_argument("--out", type=Path, help="folder; default multirun/report-<date>_<time>")
    args = parser.parse_args(argv)
    folder = args.out or Path("multirun") / f"report-{datetime.now():%Y-%m-%d_%H-%M-%S}"
    try:
        report = write_report(args.storage, folder, args.study)
    except ConfigError as err:
        print(f"budget-hpo-report: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"report of {len(report.trials)} trials written to {report.folder}/ "
          f"({', '.join(p.name for p in report.files)})")
    print(f"browse the studies: optuna-dashboard {display_url(args.storage)}")


if __name__ == "__main__":
    main(sys.argv[1:])

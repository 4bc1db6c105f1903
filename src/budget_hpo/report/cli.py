"""``budget-hpo-report [--storage URL] [--study NAME ...] [--out DIR]``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from budget_hpo.errors import ConfigError
from budget_hpo.passwords import check_args
from budget_hpo.report import DEFAULT_STORAGE, write_report
from budget_hpo.report.rescore import rescore_objective
from budget_hpo.search.storage import STORAGE_ENV, dashboard_command

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Write the report of one or more studies into a folder."""
    parser = argparse.ArgumentParser(
        prog="budget-hpo-report", description="Report of budget-hpo studies: trials.csv, "
        "summary.md, scaling.png, history.png, pareto.png, findings.md (the scaling laws) with "
        "scaling_law.png and lr_transfer.png (datasets.png with several phase-1 studies). "
        "Reads only; works on a running study.")
    parser.add_argument("--storage", help=f"a URL without a password (PGPASSWORD, ~/.pgpass); "
                        f"default ${STORAGE_ENV}, else {DEFAULT_STORAGE}")
    parser.add_argument("--study", action="append", help="a study name or glob (repeat), e.g. "
                        "'budget-hpo-phase1-*'; default: all budget-hpo-* studies in the storage")
    parser.add_argument("--out", type=Path, help="folder; default multirun/report-<date>_<time>")
    parser.add_argument("--rescore", action="append", metavar="KEY=VALUE",
                        help="re-score every trial from its saved forecasts, no training: "
                        "objective.threshold=X, objective.bootstrap.resamples=N or "
                        "objective.bootstrap.block=N (repeat); writes rescored.csv")
    args = parser.parse_args(argv)
    folder = args.out or Path("multirun") / f"report-{datetime.now():%Y-%m-%d_%H-%M-%S}"
    storage = args.storage or os.environ.get(STORAGE_ENV, DEFAULT_STORAGE)
    try:
        if args.storage is not None:
            check_args([f"--storage={args.storage}"], "a command line is kept in the shell's "
                       "history and shown by ps")
        objective = rescore_objective(args.rescore) if args.rescore else None
        report = write_report(storage, folder, args.study, rescore=objective)
    except ConfigError as err:
        print(f"budget-hpo-report: error: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"report of {len(report.trials)} trials written to {report.folder}/ "
          f"({', '.join(p.name for p in report.files)})")
    print(f"browse the studies: {dashboard_command(storage)}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Put a real demo run's findings on the README's first screen and the manual's front page.

Copies the run's ``scaling_law.png`` to ``docs/img/demo_scaling_law.png`` and writes its headline
(the **Headline** block of ``findings.md``) and wall time between the ``demo:start`` and
``demo:end`` markers of README.md and docs/index.md. Run it whenever the demo changes:

    python scripts/demo_readme.py                  # runs the demo in a temporary folder (~3 min)
    python scripts/demo_readme.py --run DIR        # or use a finished run (DIR: its sweep folder)
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = {ROOT / "README.md": "docs/img/demo_scaling_law.png",
         ROOT / "docs" / "index.md": "img/demo_scaling_law.png"}
BLOCK = re.compile(r"(<!-- demo:start[^>]*-->\n).*?(<!-- demo:end -->)", re.S)


def run_demo(folder: Path) -> tuple[Path, float]:
    """Run ``budget-hpo -m search=demo`` in ``folder``: (its sweep folder, wall seconds)."""
    start = time.perf_counter()
    code = "from budget_hpo.cli import main; main()"
    subprocess.run([sys.executable, "-c", code, "-m", "search=demo", "hydra.sweep.dir=demo"],
                   cwd=folder, check=True)
    return folder / "demo", time.perf_counter() - start


def headline(findings: Path) -> list[str]:
    """The bullet lines of the first **Headline** block of ``findings``."""
    text = findings.read_text().split("**Headline**", 1)
    if len(text) < 2:
        raise SystemExit(f"{findings}: no headline (did the phase complete a trial?)")
    lines = text[1].strip().splitlines()
    end = next((i for i, line in enumerate(lines) if not line.startswith("- ")), len(lines))
    return lines[:end]


def block(lines: list[str], image: str, wall: float | None, when: str) -> str:
    timing = f" in {wall / 60:.1f} minutes on this machine" if wall else ""
    return "\n".join([f"A demo run ({when}{timing}), from `findings.md`:", "", *lines, "",
                      f"![scaling_law.png of a demo run: validation AUC of each budget's best "
                      f"config against its exact parameter count, fresh-seed means with 95% "
                      f"intervals, the fitted law and the baselines]({image})", ""])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a finished demo's sweep folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run, wall = (args.run, None) if args.run else run_demo(Path(tmp))
        report = run / "report"
        lines = headline(report / "findings.md")
        shutil.copyfile(report / "scaling_law.png", ROOT / "docs" / "img" / "demo_scaling_law.png")
    when = time.strftime("%Y-%m-%d")
    for page, image in PAGES.items():
        text = page.read_text()
        if not BLOCK.search(text):
            raise SystemExit(f"{page}: no demo:start/demo:end markers")
        new = block(lines, image, wall, when)
        page.write_text(BLOCK.sub(lambda m, new=new: m.group(1) + new + m.group(2), text))
        print(f"wrote {page.relative_to(ROOT)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

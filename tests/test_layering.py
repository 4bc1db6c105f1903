"""The package's plan: imports run one way, trial/ <- search/ <- phase2/ <- report/.

Every import of every module is read from its source (``ast``), lazy imports inside functions
included. The top-level modules are two floors: the foundations every stage may use (errors,
schema, records, config directories, composing, resolvers, naming, sorting) and the top floor that
conducts the stages (the console entry points and the phase end), which no stage may import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "budget_hpo"
STAGES = ("trial", "search", "phase2", "report")  # each may import only those before it
TOP_FLOOR = ("cli", "phase_end")  # above every stage
BENCHMARK = ("budget_hpo.trial.throughput", "budget_hpo.trial.baseline_bench")  # scripts/ only


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports anywhere in its source."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def floor(name: str) -> int:
    """0: the foundations; 1-4: the stages; 5: the top floor."""
    parts = name.split(".")
    if len(parts) == 1:  # budget_hpo/__init__.py
        return 0
    if parts[1] in STAGES:
        return 1 + STAGES.index(parts[1])
    return 1 + len(STAGES) if parts[1] in TOP_FLOOR else 0


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if floor(b) > floor(a))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_import_walk_sees_lazy_imports_and_every_stage():
    edges = graph()
    assert {floor(name) for name in edges} == {0, 1, 2, 3, 4, 5}
    # a function-level import counts
    assert "budget_hpo.trial.run" in edges["budget_hpo.cli"]  # imported inside main's task


def test_no_module_imports_a_stage_above_its_own():
    assert upward_imports(graph()) == []


def test_no_two_modules_import_each_other_even_through_others():
    assert cycles(graph()) == []


def test_the_product_imports_no_benchmark_helper():
    edges = graph()
    assert sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets
                  if b in BENCHMARK) == []


@pytest.mark.parametrize(("edges", "upward", "loops"), [
    ({"budget_hpo.search.x": {"budget_hpo.report.y"}},
     ["budget_hpo.search.x -> budget_hpo.report.y"], []),
    ({"budget_hpo.trial.a": {"budget_hpo.trial.b"}, "budget_hpo.trial.b": {"budget_hpo.trial.a"}},
     [], [["budget_hpo.trial.a", "budget_hpo.trial.b"]]),
    ({"budget_hpo.schema": {"budget_hpo.cli"}}, ["budget_hpo.schema -> budget_hpo.cli"], []),
    ({"budget_hpo.cli": {"budget_hpo.report", "budget_hpo.schema"}}, [], []),
])
def test_the_rules_catch_an_upward_import_and_a_loop(edges, upward, loops):
    assert upward_imports(edges) == upward
    assert cycles(edges) == loops


def test_the_walk_reads_lazy_and_relative_imports(tmp_path):
    source = tmp_path / PACKAGE / "search" / "thing.py"
    source.parent.mkdir(parents=True)
    source.write_text("def f():\n    from budget_hpo.report import summary\n"
                      "from .. import schema\n")
    known = {"budget_hpo.report", "budget_hpo.report.summary", "budget_hpo.schema"}
    assert imports_of("budget_hpo.search.thing", source, known) == {
        "budget_hpo.report.summary", "budget_hpo.schema"}

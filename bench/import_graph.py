"""Print the import graph of Level0's packages: cycles between modules, modules over 300 lines, imports per package.

    python bench/import_graph.py            # kb_search and triage
    python bench/import_graph.py --edges    # every module-level edge too

Counts module-level imports and imports inside functions alike (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kb_search", "triage")
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The longest known module that `name` (a module or module.attribute) refers to."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(path: Path, name: str, known: dict[str, Path]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor if is_package else anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] or [base]
        for target in targets:
            hit = resolve(target, known)
            if hit and hit != name:
                found.add(hit)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other (size > 1)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def is_package_init(name: str, known: dict[str, Path]) -> bool:
    return known[name].name == "__init__.py"


@click.command()
@click.option("--edges", is_flag=True, help="Print every edge too.")
def main(edges: bool) -> None:
    known = modules()
    graph = {name: imports_of(path, name, known) for name, path in known.items()}
    # A package's __init__ importing its own children is not a cycle a reader trips over; an __init__ that
    # re-exports is counted like any module.
    groups = strongly_connected(graph)
    click.echo(f"modules: {len(known)}  edges: {sum(len(v) for v in graph.values())}")
    click.echo(f"import cycles: {len(groups)}")
    for group in groups:
        click.echo("  " + " <-> ".join(group))
    long = sorted(
        ((len(path.read_text(encoding="utf-8").splitlines()), name) for name, path in known.items()), reverse=True
    )
    over = [(n, name) for n, name in long if n > MAX_LINES]
    click.echo(f"modules over {MAX_LINES} lines: {len(over)}")
    for n, name in over:
        click.echo(f"  {name}: {n}")
    per_package: dict[str, int] = defaultdict(int)
    for path in known.values():
        per_package[module_name(path.parent / "__init__.py")] += 1
    click.echo("modules per package: " + ", ".join(f"{k} {v}" for k, v in sorted(per_package.items())))
    if edges:
        for name in sorted(graph):
            for target in sorted(graph[name]):
                click.echo(f"{name} -> {target}")


if __name__ == "__main__":
    main()

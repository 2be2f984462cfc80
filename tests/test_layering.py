"""Rules of the architecture, enforced by tests (docs/architecture.md).

- The core knows nothing of the web: gis/ and tiles/ never import FastAPI,
  Starlette or api/; tiles/ never reaches into api/.
- No import cycles between wangge's modules, counting imports inside functions,
  which is where a cycle hides.
- No module over 400 lines: split it before it holds more than one job.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("gis", "tiles", "api")
WEB = {"fastapi", "starlette", "uvicorn", "api"}
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module name ``path`` imports, anywhere in it (top level or in a function)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from gis.hotspots import h3cells` imports the module gis.hotspots.h3cells.
            names |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
    return names


def _graph() -> dict[str, set[str]]:
    graph = {}
    for module in _modules():
        edges = set()
        for node in ast.walk(ast.parse(_modules()[module].read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                subs = {f"{node.module}.{a.name}" for a in node.names}
                precise = {s for s in subs if s in _modules()}
                edges |= precise if precise == subs else precise | {node.module}
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names}
        graph[module] = {e for e in edges if e in _modules() and e != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


@pytest.mark.parametrize("package", ["gis", "tiles"], ids=str)
def test_core_packages_do_not_import_the_web_layer(package: str) -> None:
    offenders = {}
    for path in (ROOT / package).rglob("*.py"):
        top = {name.split(".")[0] for name in _imports(path)}
        if top & WEB:
            offenders[str(path.relative_to(ROOT))] = sorted(top & WEB)
    assert offenders == {}


def test_tiles_does_not_reach_into_api() -> None:
    offenders = [
        p for p in (ROOT / "tiles").rglob("*.py") if any(n.startswith("api") for n in _imports(p))
    ]
    assert offenders == []


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in _modules().values()}
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}

"""The core knows nothing of the web: gis/ and tiles/ never import FastAPI or Starlette."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB = {"fastapi", "starlette", "uvicorn", "api"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", ["gis", "tiles"], ids=str)
def test_core_packages_do_not_import_the_web_layer(package: str) -> None:
    offenders = {
        str(p.relative_to(ROOT)): sorted(_imports(p) & WEB)
        for p in (ROOT / package).rglob("*.py")
        if _imports(p) & WEB
    }
    assert offenders == {}


def test_tiles_does_not_reach_into_api() -> None:
    offenders = [p for p in (ROOT / "tiles").rglob("*.py") if "api" in _imports(p)]
    assert offenders == []

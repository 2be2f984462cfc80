"""Every page is served with the one shared head, page links and user bar (static/shell/),
its own link marked as the current page, and no page file holds a copy of them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.pages import STATIC
from tests.common import bearer

PAGES = {"/": "map", "/command": "command", "/planner": "planner"}


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        c.headers.update(bearer(engine, "admin"))
        yield c


@pytest.mark.parametrize("path", PAGES)
def test_a_page_carries_the_shared_shell_and_marks_itself(client, path: str) -> None:
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "<!-- shell" not in html
    for part in ("head", "pages", "user"):
        shared = (STATIC / "shell" / f"{part}.html").read_text(encoding="utf-8").splitlines()
        first = shared[0].strip()
        assert html.count(first) == 1, (part, first)
    current = [line for line in html.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and f'data-page="{PAGES[path]}"' in current[0]
    assert html.index('<meta charset="utf-8">') < html.index("<title>")


def test_no_page_file_copies_the_shell() -> None:
    for name in ("index.html", "command.html", "planner.html"):
        text = (STATIC / name).read_text(encoding="utf-8")
        assert '<nav class="pages">' not in text and '<div id="user"' not in text, name
        assert "wangge.css" not in text and "maplibre-gl.js" not in text, name
        assert all(f"<!-- shell: {p} -->" in text for p in ("head", "pages", "user")), name

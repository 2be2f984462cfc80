"""Grid workers on the command page in real headless Chromium: a worker's posted position
shows on the open page within 2 s (the stream's ``worker.position``), and the incident's
panel lists the nearest workers with a button that dispatches to one through the
workflow."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from api.app import create_app
from gis.accounts import create_user
from tests.api.test_command_page import command_page, report
from tests.common import bearer, live_server


@pytest.fixture(scope="module")
def server(settings, sample_city):
    with live_server(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def scene(engine, sample_city) -> Iterator[dict]:
    """An operator with a password, an admin's token, a point in a community of the
    sample city, a worker of that community not yet seen anywhere, and a published grid
    there that nobody patrolled (removed afterwards: the session's city is shared)."""
    code = f"WPAGE-{secrets.token_hex(3)}"
    with engine.begin() as conn:
        user, password = create_user(conn, f"operator-{secrets.token_hex(4)}", "operator")
        place = tuple(conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p, id FROM area "
            "WHERE level = 'community' ORDER BY code LIMIT 1) s")).one())  # fmt: skip
        conn.execute(
            text("INSERT INTO worker (code, name, role, community_id) SELECT :code, '巡查员甲', "
                 "'grid_worker', id FROM area WHERE level = 'community' ORDER BY code LIMIT 1"),
            {"code": code},
        )  # fmt: skip
        plan = conn.execute(text(
            "INSERT INTO grid_plan (name, area_id, status) SELECT 'patrol test', id, "
            "'published' FROM area WHERE level = 'community' ORDER BY code LIMIT 1 "
            "RETURNING id")).scalar()  # fmt: skip
        conn.execute(text(
            "INSERT INTO grid (plan_id, community_id, code, geom, households) SELECT :plan, id, "
            "code || 'P01', geom, 300 FROM area WHERE level = 'community' ORDER BY code LIMIT 1"),
            {"plan": plan})  # fmt: skip
    yield {"account": (user.name, password), "admin": bearer(engine, "admin"),
           "place": place, "worker": code}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM grid_plan WHERE id = :id"), {"id": plan})


def test_a_posted_position_shows_live_and_the_panel_dispatches_to_the_nearest(
    browser, server: str, scene: dict
) -> None:
    with command_page(browser, server, scene["account"]) as page:
        line = page.locator("#worker-line")
        expect(line).to_be_visible()
        expect(line).to_contain_text("网格员")
        expect(page.locator("#live")).to_have_attribute("data-state", "live")

        # Grids nobody patrolled this week: the count the API gives, hatched on the map.
        area = page.locator("#filters select[name=area]").input_value()
        url = "/api/v1/workers/patrol/grids" + (f"?area={area}" if area else "")
        grids = page.evaluate("async (url) => (await (await fetch(url)).json()).grids", url)
        unvisited = [g["code"] for g in grids if not g["visited"]]
        assert unvisited  # the scene's grid at least
        patrol = page.locator("#patrol-line")
        expect(patrol).to_have_attribute("data-count", str(len(unvisited)))
        expect(patrol).to_contain_text(f"本周无人巡查网格 {len(unvisited):,}")
        layer = """() => { const map = document.getElementById("map").map;
            const ids = ["patrol-unvisited-fill", "patrol-unvisited-line"];
            return ids.map((id) => [map.getLayoutProperty(id, "visibility"),
                                    map.getFilter(id)[2][1]]); }"""  # fmt: skip
        assert page.evaluate(layer) == [["visible", unvisited]] * 2
        page.wait_for_function("""() => document.getElementById("map").map
            .queryRenderedFeatures({ layers: ["patrol-unvisited-line"] }).length > 0""")
        patrol.locator("input").uncheck()
        assert [v for v, _ in page.evaluate(layer)] == ["none", "none"]
        patrol.locator("input").check()
        assert [v for v, _ in page.evaluate(layer)] == ["visible", "visible"]
        lon, lat = scene["place"]
        batch = {"positions": [{"at": datetime.now(UTC).isoformat(), "lon": lon, "lat": lat}]}
        posted = time.monotonic()
        answer = httpx.post(f"{server}/api/v1/workers/{scene['worker']}/positions", json=batch,
                            headers=scene["admin"])  # fmt: skip
        assert answer.status_code == 200 and answer.json()["new"] == 1, answer.text
        expect(line).to_contain_text("巡查员甲", timeout=2_000)  # live, without a reload
        assert time.monotonic() - posted < 2

        incident = report(server, scene["admin"], scene["place"])
        accepted = httpx.post(f"{server}/api/v1/incidents/{incident['code']}/transitions",
                              json={"to": "accepted"}, headers=scene["admin"])  # fmt: skip
        assert accepted.status_code == 200, accepted.text
        row = page.locator(f"#incidents li[data-code='{incident['code']}']")
        expect(row).to_be_visible(timeout=5_000)
        row.dispatch_event("click")  # not click(): a fresh row pulses, and would be waited out
        panel = page.locator("#incident")
        expect(panel).to_have_attribute("data-status", "accepted")
        near = panel.locator(f".worker-list li[data-code='{scene['worker']}']")
        expect(near).to_contain_text("巡查员甲")
        expect(near).to_contain_text("m")
        near.locator("button").click()
        expect(panel).to_have_attribute("data-status", "dispatched")
        detail = httpx.get(f"{server}/api/v1/incidents/{incident['code']}",
                           headers=scene["admin"]).json()  # fmt: skip
        assert detail["status"] == "dispatched" and detail["assignee"] == scene["worker"]
        assert detail["timeline"][-1]["action"] == "dispatched"
        page.locator("#lang").click()
        expect(line).to_contain_text("Grid workers")
        expect(patrol).to_contain_text(f"{len(unvisited):,} grids unvisited this week")
        expect(panel.locator("section.workers h3")).to_have_text("Nearest grid workers")
        assert page.errors == []

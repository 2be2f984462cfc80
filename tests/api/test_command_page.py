"""The command page in real headless Chromium: signed in through the login form as an
operator, it loads with counters and the list; an incident reported through the API
appears on it within 2 s without a reload; accept and dispatch through its buttons
change the status on the page and in the API. Screenshots at 1920×1080 and 1366×768."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from api.app import create_app
from gis.accounts import create_user
from tests.api.chromium import ARTIFACTS, record_errors, sign_in
from tests.common import bearer, live_server

WALL = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def server(settings, sample_city):
    with live_server(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def account(engine) -> tuple[str, str]:
    """A command-centre operator with a password, as `wangge user add` makes one."""
    with engine.begin() as conn:
        user, password = create_user(conn, f"operator-{secrets.token_hex(4)}", "operator")
    return user.name, password


@pytest.fixture(scope="module")
def reporter(engine, sample_city) -> dict[str, str]:
    """Another operator's bearer token: a hotline desk reporting through the API."""
    return bearer(engine, "operator")


@pytest.fixture(scope="module")
def place(engine, sample_city) -> tuple[float, float]:
    """A point inside a community of the sample city."""
    with engine.connect() as conn:
        sql = """SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM area
                 WHERE level = 'community' ORDER BY code LIMIT 1) s"""
        return tuple(conn.execute(text(sql)).one())


def loaded(page: Page) -> None:
    page.wait_for_function("document.body.dataset.loading === 'false'", timeout=20_000)


@contextmanager
def command_page(browser, server: str, account: tuple[str, str]) -> Iterator[Page]:
    """A new browser at the wall's size, signed in through the form: `/command` leads
    there, and back."""
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    pg = context.new_page()
    record_errors(pg)
    pg.hosts = set()  # where everything the page asks for comes from
    pg.on("request", lambda r: pg.hosts.add(r.url.split("/")[2]))
    pg.goto(server + "/command")
    assert pg.url == server + "/login?next=/command"
    sign_in(pg, account)
    assert pg.url.startswith(server + "/command")
    loaded(pg)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, server, account):
    with command_page(browser, server, account) as pg:
        yield pg


def screenshots(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    for size in (WALL, LAPTOP):
        page.set_viewport_size(size)
        page.wait_for_timeout(300)  # the map redraws at its new size
        page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"))
    page.set_viewport_size(WALL)


def test_the_page_loads_with_counters_and_the_list(page: Page, server: str, reporter) -> None:
    stats = httpx.get(f"{server}/api/v1/incidents/stats", headers=reporter).json()
    rate = stats["closure_rate_week"]
    shown = {k: f"{stats[k]:,}" for k in ("new_today", "open", "overdue")}
    shown["closure_rate_week"] = "–" if rate is None else f"{round(rate * 100)}%"
    for key, value in shown.items():
        expect(page.locator(f"#counters [data-key={key}] .n")).to_have_text(value)
    expect(page.locator("#incidents li").first).to_be_visible()
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    page.wait_for_function(
        "() => { const c = document.querySelector('#map canvas'); return c && c.width > 0; }"
    )
    expect(page.locator("#counters [data-key=open] .what")).to_have_text("未结")
    screenshots(page, "command")
    page.locator("#lang").click()
    expect(page.locator("#counters [data-key=open] .what")).to_have_text("Open")
    expect(page.locator("nav.pages a[data-page=command]")).to_have_text("Command centre")
    screenshots(page, "command-en")
    page.locator("#lang").click()  # back to Chinese for the next test
    assert page.hosts == {server.split("/")[2]}  # no CDN, no external basemap
    assert page.errors == []


def report(server: str, headers: dict[str, str], place: tuple[float, float]) -> dict:
    categories = httpx.get(f"{server}/api/v1/incident-categories", headers=headers)
    assert categories.status_code == 200, categories.text
    body = {
        "category": categories.json()[0]["code"],
        "lon": place[0],
        "lat": place[1],
        "source": "hotline",
        "description": "消防通道被占用 (test)",
    }
    answer = httpx.post(f"{server}/api/v1/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_reported_incident_appears_live_and_is_accepted_and_dispatched(
    page: Page, server: str, reporter, place
) -> None:
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    before = page.locator("#counters [data-key=new_today] .n").inner_text()
    incident = report(server, reporter, place)
    posted = time.monotonic()
    row = page.locator(f"#incidents li[data-code='{incident['code']}']")
    expect(row).to_be_visible(timeout=2_000)  # live, without a reload
    assert time.monotonic() - posted < 2
    expect(row).to_have_class("row fresh")
    expect(page.locator("#ticker")).to_be_visible()
    expect(page.locator("#counters [data-key=new_today] .n")).not_to_have_text(before)

    row.click()
    panel = page.locator("#incident")
    expect(panel).to_have_attribute("data-status", "reported")
    expect(panel.locator(".timeline li")).to_have_count(1)
    screenshots(page, "command-incident")
    panel.locator("button[data-to=accepted]").click()
    expect(panel).to_have_attribute("data-status", "accepted")
    panel.locator("button[data-to=dispatched]").click()
    expect(panel).to_have_attribute("data-status", "dispatched")
    expect(panel.locator(".timeline li")).to_have_count(3)
    expect(row.locator(".status")).to_have_text("已派遣")

    detail = httpx.get(f"{server}/api/v1/incidents/{incident['code']}", headers=reporter).json()
    assert detail["status"] == "dispatched"
    assert [e["action"] for e in detail["timeline"]][-2:] == ["accepted", "dispatched"]
    assert page.errors == []


def test_a_role_that_may_not_read_incidents_is_told_so(browser, server, engine) -> None:
    with engine.begin() as conn:
        user, password = create_user(conn, f"viewer-{secrets.token_hex(4)}", "viewer")
    with command_page(browser, server, (user.name, password)) as viewer:
        expect(viewer.locator("#notice")).to_have_text("您的角色不能查看事件")
        expect(viewer.locator("nav.pages a[data-page=map]")).to_be_visible()
        expect(viewer.locator("nav.pages a[data-page=command]")).to_be_hidden()
        assert viewer.errors == []

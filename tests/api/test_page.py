"""The drill-down page in real headless Chromium: load, drill four levels, back, search."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import text

from api.app import create_app
from tests.common import bearer, live_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Chromium here has no network: keep it from trying (DESIGN.md, machine notes).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(scope="module")
def server(settings, sample_city):
    with live_server(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, engine):
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="zh-CN", extra_http_headers=bearer(engine)
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


@pytest.fixture(scope="module")
def home(engine):
    """A household in a building among the first 50 of its community (the first page)."""
    with engine.connect() as conn:
        return (
            conn.execute(
                text(
                    """
                WITH ranked AS (
                    SELECT b.id, b.code, c.code AS community, c.name AS community_name,
                           row_number() OVER (PARTITION BY c.id ORDER BY b.code) AS n
                    FROM building b JOIN area c ON c.id = b.community_id
                )
                SELECT r.code AS building, r.community, r.community_name, h.code AS household
                FROM ranked r JOIN household h ON h.building_id = r.id
                WHERE r.n <= 50 AND EXISTS (SELECT 1 FROM person p WHERE p.household_id = h.id)
                ORDER BY h.code LIMIT 1
                """
                )
            )
            .mappings()
            .one()
        )


def settled(page: Page) -> None:
    page.wait_for_function("document.body.dataset.loading === 'false'", timeout=20_000)


def click_item(page: Page, code: str) -> None:
    page.locator(f"#list li[data-code='{code}']").click()
    page.wait_for_function(f"location.hash.endsWith('{code}')")
    settled(page)


def test_drill_down_back_and_search(page: Page, server: str, home) -> None:
    page.goto(server + "/")
    settled(page)
    expect(page.locator("#title")).to_have_text("路桥区")
    assert page.locator("#list li.link").count() == 10  # the ten streets and towns

    street = home["community"][:9] + "000"
    click_item(page, street)
    expect(page.locator("#breadcrumb a")).to_have_count(2)
    click_item(page, home["community"])
    expect(page.locator("#title")).to_have_text(home["community_name"])
    click_item(page, home["building"])
    expect(page.locator("#breadcrumb a")).to_have_count(4)
    click_item(page, home["household"])
    masked = page.locator("#list .masked").first.inner_text()
    assert re.search(r"\d{6}\*{10}[\dX]{2} 1\d{2}\*{4}\d{4}", masked), masked
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "drilldown-household.png"))

    page.locator("#breadcrumb a").first.click()
    settled(page)
    expect(page.locator("#title")).to_have_text("路桥区")

    page.locator("#search").fill(home["community_name"])
    result = page.locator(f"#search-results li[data-code='{home['community']}']")
    result.click()
    page.wait_for_function(f"location.hash.endsWith('{home['community']}')")
    settled(page)
    expect(page.locator("#title")).to_have_text(home["community_name"])
    page.screenshot(path=str(ARTIFACTS / "drilldown-community.png"))
    assert page.errors == []


def test_the_map_draws_and_the_language_switches(page: Page, server: str) -> None:
    page.goto(server + "/#/area/331004000000")
    settled(page)
    page.wait_for_function(
        "() => { const c = document.querySelector('#map canvas'); return c && c.width > 0; }"
    )
    expect(page.locator("#stats")).to_contain_text("户数")
    page.locator("#lang").click()
    settled(page)
    expect(page.locator("#stats")).to_contain_text("Households")
    expect(page.locator("#list-title")).to_have_text("Streets and towns")
    page.screenshot(path=str(ARTIFACTS / "drilldown-district-en.png"))
    assert page.errors == []


def test_every_asset_comes_from_wangge(page: Page, server: str) -> None:
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(server + "/")
    settled(page)
    page.wait_for_timeout(500)
    assert hosts == {server.split("/")[2]}

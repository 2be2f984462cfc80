"""The drill-down page in real headless Chromium: sign in through the login form, load,
drill four levels, back, search, sign out, and back to sign-in when the session ends."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from api.app import create_app
from gis.accounts import close_session, create_user
from tests.api import chromium
from tests.api.chromium import ARTIFACTS, record_errors
from tests.common import live_server


@pytest.fixture(scope="module")
def app(settings, sample_city):
    return create_app(settings)


@pytest.fixture(scope="module")
def server(app):
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def account(engine) -> tuple[str, str]:
    """An administrator (households are theirs to read), as `wangge user add` makes one."""
    with engine.begin() as conn:
        user, password = create_user(conn, f"page-{secrets.token_hex(4)}", "admin")
    return user.name, password


def sign_in(page: Page, account: tuple[str, str]) -> None:
    """Sign in through the form the page is on, and wait to land on the map."""
    chromium.sign_in(page, account)
    settled(page)


@pytest.fixture
def page(browser, server, account):
    """A new browser signed in through the login form: `/` leads there, and back."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    pg = context.new_page()
    record_errors(pg)
    pg.goto(server + "/")
    assert pg.url == server + "/login?next=/"
    sign_in(pg, account)
    assert pg.url == server + "/"
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
    assert re.search(r"\d{2}\*{15}[\dX] 1\d{2}\*{6}\d{2}", masked), masked
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


def test_the_page_shows_who_is_signed_in_and_signs_out(page: Page, server: str, account) -> None:
    expect(page.locator("#user .name")).to_have_text(account[0])
    expect(page.locator("#user .role")).to_have_text("管理员")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "signed-in.png"))
    page.locator("#lang").click()
    expect(page.locator("#user button")).to_have_text("Sign out")
    page.locator("#user button").click()
    page.wait_for_url(server + "/login")
    expect(page.locator("main.login form")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.goto(server + "/")  # the session is over: the map sends back to sign-in
    assert page.url == server + "/login?next=/"
    assert page.errors == []


def test_an_ended_session_returns_to_sign_in_and_then_to_the_same_place(
    page: Page, server: str, account, app, engine
) -> None:
    page.goto(server + "/#/area/331004000000")
    settled(page)
    (session,) = [c["value"] for c in page.context.cookies() if c["name"] == "wangge_session"]
    with engine.begin() as conn:
        close_session(conn, session)  # as an expiry or a password reset would
    app.state.authenticator.forget("session", session)
    page.locator("#indicator").select_option("persons")  # the next fetch meets a 401
    page.wait_for_url(re.compile(r"/login\?"))
    assert "next=%2F%23%2Farea%2F331004000000" in page.url
    sign_in(page, account)
    assert page.url == server + "/#/area/331004000000"
    expect(page.locator("#title")).to_have_text("路桥区")
    # The browser reports the refused fetch itself; nothing else may go wrong.
    assert all("401" in e for e in page.errors), page.errors

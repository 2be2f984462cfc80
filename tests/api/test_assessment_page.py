"""The assessment panel of the command page in real headless Chromium: an operator opens
it with the 考核 toggle, picks the hand-built week (tests/assessment_town.py) by grid,
and finds the ranked table with its figures, a trend chart per grid with incidents, the
order of any column on a click, the exports of the same table, and English on a switch."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

from api.app import create_app
from gis.accounts import create_user
from tests.api.chromium import ARTIFACTS, record_errors, sign_in
from tests.assessment_town import build_assessment_town
from tests.common import live_server
from tests.incident_town import FAR, HOME, NEIGHBOUR, grid_of


@pytest.fixture(scope="module")
def town(make_database):
    engine, settings = build_assessment_town(make_database, "wangge_assessment_page")
    with live_server(create_app(settings)) as url:
        yield engine, url
    engine.dispose()


def test_the_panel_ranks_the_grids_with_their_trends(browser, town) -> None:
    engine, server = town
    with engine.begin() as conn:
        user, password = create_user(conn, f"operator-{secrets.token_hex(4)}", "operator")
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    record_errors(page)
    hosts: set[str] = set()
    page.on("request", lambda r: hosts.add(r.url.split("/")[2]))
    page.goto(server + "/command")
    sign_in(page, (user.name, password))
    page.wait_for_function("document.body.dataset.loading === 'false'", timeout=20_000)

    toggle = page.locator("#assessment-toggle")
    expect(toggle).to_have_text("考核")
    toggle.click()
    panel = page.locator("#assessment")
    expect(panel).to_be_visible()
    panel.locator("select[name=by]").select_option("grid")
    panel.locator("input[name=from]").fill("2026-10-01")
    panel.locator("input[name=to]").fill("2026-10-08")
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(4)
    page.wait_for_function("document.querySelector('#assessment').dataset.loading === 'false'")
    home, neighbour, far = (grid_of(engine, c) for c in (HOME, NEIGHBOUR, FAR))
    home_row = panel.locator(f"tbody tr[data-code='{home}']")
    expect(home_row.locator("td[data-key=closure_rate]")).to_have_text("75.0%")
    expect(home_row.locator("td[data-key=resolve_p90_h]")).to_have_text("26")
    expect(panel.locator("tfoot td[data-key=reported]")).to_have_text("8")
    expect(panel.locator("tbody .spark canvas")).to_have_count(3)  # the grids with incidents

    overdue = panel.locator("th[data-key=overdue_rate]")
    overdue.click()  # lower is better: FAR's 0 % first, the grid with none last
    expect(rows.first).to_have_attribute("data-code", far)
    expect(rows.last.locator("td[data-key=overdue_rate]")).to_have_text("–")
    overdue.click()  # then the worst: HOME and NEIGHBOUR at 50 %, by code
    expect(rows.first).to_have_attribute("data-code", home)
    expect(rows.nth(1)).to_have_attribute("data-code", neighbour)
    expect(overdue).to_have_attribute("aria-sort", "descending")

    href = panel.locator("a.export[data-format=csv]").get_attribute("href")
    assert href == "/api/v1/assessment.csv?from=2026-10-01&to=2026-10-08&by=grid"
    exported = page.request.get(server + href)
    assert exported.status == 200
    lines = exported.body().decode("utf-8-sig").splitlines()
    assert lines[0].startswith("code,name,") and len(lines) == 1 + 4 + 1

    ARTIFACTS.mkdir(exist_ok=True)
    for size in ({"width": 1920, "height": 1080}, {"width": 1366, "height": 768}):
        page.set_viewport_size(size)
        page.screenshot(path=str(ARTIFACTS / f"assessment-{size['width']}x{size['height']}.png"))
    page.locator("#lang").click()
    expect(toggle).to_have_text("Assessment")
    expect(panel.locator("th[data-key=closure_rate]")).to_have_text("Closed")
    page.locator("#lang").click()
    panel.locator("button.close").click()
    expect(panel).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert hosts == {server.split("/")[2]}
    assert page.errors == []
    context.close()

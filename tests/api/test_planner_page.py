"""The planner page in real headless Chromium, signed in through the form as a planner:
open a draft, paint a building into another grid and see the counts change, split, merge,
undo, lock a grid and rebalance its community around it (the locked grid unchanged),
compare with the published plan, publish, import the exported CSV as a new draft; an edit
from a second browser on a stale version gets the stale-version message; no console
errors; screenshots."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from api.app import create_app
from gis.accounts import create_user
from gis.partition import Rules
from gis.partition.publish import publish_plan
from gis.partition.store import create_plan
from tests.api.chromium import ARTIFACTS, record_errors, sign_in
from tests.common import live_server, worker_process

SIZE = {"width": 1600, "height": 1000}


@pytest.fixture(scope="module")
def city(plan_city):
    engine, settings = plan_city
    with engine.connect() as conn:
        community, households = conn.execute(text(
            """SELECT a.code, sum(b.households) FROM area a JOIN building b ON b.community_id = a.id
               WHERE a.level = 'community' GROUP BY a.code ORDER BY count(*) DESC LIMIT 1"""
        )).one()  # fmt: skip
    # bounds that make about eight grids of the community
    rules = Rules(min_households=max(1, households // 12), max_households=max(2, households // 6))
    published = create_plan(engine, community, name="planner published", rules=rules, seed=1)
    publish_plan(engine, published, published_by="test")
    draft = create_plan(engine, community, name="planner draft", rules=rules, seed=2)
    with engine.begin() as conn:
        user, password = create_user(conn, f"planner-{secrets.token_hex(4)}", "planner")
    with worker_process(settings.database_url), live_server(create_app(settings)) as url:
        yield url, community, draft, (user.name, password)


def open_planner(browser, city) -> Page:
    url, community, draft, account = city
    context = browser.new_context(viewport=SIZE, locale="zh-CN")
    pg = context.new_page()
    record_errors(pg)
    pg.goto(url + "/planner")
    assert pg.url == url + "/login?next=/planner"
    sign_in(pg, account)
    try:
        pg.wait_for_function("document.body.dataset.loading === 'false'", timeout=20_000)
    except Exception:
        raise AssertionError(pg.errors) from None
    pg.locator("#choose select[name=area]").select_option(community)
    pg.wait_for_function(f"document.body.dataset.plan === '{draft}'", timeout=10_000)
    return pg


def version(pg: Page) -> int:
    return int(pg.evaluate("document.body.dataset.version"))


def wait_version(pg: Page, v: int) -> None:
    try:
        pg.wait_for_function(f"Number(document.body.dataset.version) >= {v}", timeout=10_000)
    except Exception:
        raise AssertionError((pg.locator("#notice").inner_text(), pg.errors)) from None


def grid_count(pg: Page) -> int:
    return pg.locator("#grid-list li").count()


def click_building(pg: Page) -> str:
    """Click the first building of the first grid on the map; its code."""
    b = pg.evaluate("""async () => {
      const plan = document.body.dataset.plan;
      const all = await (await fetch(`/api/v1/plans/${plan}/buildings`)).json();
      const f = all.features[0];
      const map = document.getElementById('map').map;
      map.jumpTo({center: [f.properties.lon, f.properties.lat], zoom: 18});
      return f.properties; }""")
    pg.wait_for_timeout(500)
    xy = pg.evaluate(f"() => document.getElementById('map').map.project([{b['lon']}, {b['lat']}])")
    box = pg.locator("#map").bounding_box()
    pg.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])
    return b


def test_the_planner_edits_compares_and_publishes(browser, city) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg = open_planner(browser, city)
    expect(pg.locator("#grid-list li").first).to_be_visible()
    pg.screenshot(path=str(ARTIFACTS / "planner-open.png"))

    # paint: a building clicked, moved into another grid of its community
    building = click_building(pg)
    expect(pg.locator("#selection")).to_contain_text("已选 1 栋楼")
    source = pg.locator(f"#grid-list li[data-code='{building['grid']}'] .n")
    before = source.inner_text()
    v = version(pg)
    pg.locator("#move").click()
    wait_version(pg, v + 1)
    expect(source).not_to_have_text(before)
    pg.screenshot(path=str(ARTIFACTS / "planner-painted.png"))

    # split the largest grid in halves, merge two grids, undo the merge
    n = grid_count(pg)
    pg.locator(f"#grid-list li[data-code='{building['grid']}']").click()
    pg.locator("#halves").click()
    wait_version(pg, v + 2)
    expect(pg.locator("#grid-list li")).to_have_count(n + 1)
    codes = pg.locator("#grid-list li").evaluate_all("els => els.map(e => e.dataset.code)")
    pg.locator(f"#grid-list li[data-code='{codes[-1]}']").click()
    pg.locator(f"#grid-list li[data-code='{codes[-2]}']").click()
    pg.locator("#merge").click()
    wait_version(pg, v + 3)
    expect(pg.locator("#grid-list li")).to_have_count(n)
    pg.locator("#undo").click()
    expect(pg.locator("#grid-list li")).to_have_count(n + 1)
    expect(pg.locator("#notice")).to_have_text("已撤销")
    pg.locator("#redo").click()
    expect(pg.locator("#grid-list li")).to_have_count(n)
    expect(pg.locator("#notice")).to_have_text("已重做")

    # a second planner on the same draft edits on a stale version
    other = open_planner(browser, city)
    pg.locator(f"#grid-list li[data-code='{codes[0]}']").click()
    v = version(pg)
    pg.locator("#halves").click()
    wait_version(pg, v + 1)
    other.locator(f"#grid-list li[data-code='{codes[1]}']").click()
    other.locator("#halves").click()
    expect(other.locator("#notice")).to_contain_text("其他人已修改此方案")
    expect(other.locator("#notice")).to_have_class("stale")
    other.screenshot(path=str(ARTIFACTS / "planner-stale.png"))
    # Chromium logs the refused request itself; that 412 is the point, anything else is not
    assert [e for e in other.errors if "status of 412" not in e] == []
    other.context.close()

    # lock a grid, rebalance the community around it: the locked grid stays as it was
    locked = codes[0]
    grid_of = (
        "code => fetch(`/api/v1/plans/${document.body.dataset.plan}`).then(r => r.json())"
        ".then(p => JSON.stringify(p.grids.features.find(f => f.properties.code === code)))"
    )
    was = json.loads(pg.evaluate(grid_of, locked))
    v = version(pg)
    pg.locator(f"#grid-list li[data-code='{locked}'] button.lock").click()
    wait_version(pg, v + 1)
    expect(pg.locator(f"#grid-list li[data-code='{locked}'] button.lock")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(pg.locator(f".grid-label[data-code='{locked}']")).to_have_attribute(
        "data-locked", "true"
    )
    pg.locator(f"#grid-list li[data-code='{codes[1]}']").click()
    pg.locator("#rebalance").click()
    wait_version(pg, v + 2)
    now = json.loads(pg.evaluate(grid_of, locked))
    assert now["geometry"] == was["geometry"] and now["properties"]["locked"]
    assert now["properties"]["households"] == was["properties"]["households"]
    pg.screenshot(path=str(ARTIFACTS / "planner-rebalanced.png"))
    pg.locator("#undo").click()  # the rebalance undone: a reassign, a new version
    wait_version(pg, v + 3)
    expect(pg.locator("#notice")).to_have_text("已撤销")

    # export: the grids as GeoJSON, each building's grid as CSV
    with pg.expect_download() as grids_file:
        pg.locator("#export-grids").click()
    exported = json.loads(Path(grids_file.value.path()).read_text())
    assert len(exported["features"]) == grid_count(pg)
    with pg.expect_download() as csv_file:
        pg.locator("#export-csv").click()
    exported_csv = Path(csv_file.value.path()).read_text()
    lines = exported_csv.splitlines()
    assert lines[0] == "building_code,grid_code,households" and len(lines) > 1

    # compare with the published plan, then publish after the confirmation
    pg.locator("#compare").click()
    expect(pg.locator("#diff table.summary-table")).to_be_visible()
    pg.screenshot(path=str(ARTIFACTS / "planner-compare.png"))
    pg.locator("#publish").click()
    expect(pg.locator("#confirm .summary table")).to_be_visible()
    pg.screenshot(path=str(ARTIFACTS / "planner-publish-confirm.png"))
    pg.locator("#confirm-ok").click()
    expect(pg.locator("#version")).to_contain_text("已发布")

    # generate a new draft with the bounds of the plan open: the job runs, the draft opens
    published = city[2]
    pg.locator("#make").click()
    try:
        pg.wait_for_function(
            f"!['{published}', ''].includes(document.body.dataset.plan ?? '')"
            " && document.querySelector('#version').textContent.includes('草案')",
            timeout=30_000,
        )
    except Exception:
        raise AssertionError((pg.locator("#notice").inner_text(), pg.errors)) from None
    expect(pg.locator("#notice")).to_have_text("草案已生成")
    expect(pg.locator("#grid-list li").first).to_be_visible()
    pg.screenshot(path=str(ARTIFACTS / "planner-generated.png"))

    # import the CSV exported above (a job): a new draft, the same buildings in the same grids
    generated = pg.evaluate("document.body.dataset.plan")
    pg.locator("#import-file").set_input_files(
        {"name": "buildings.csv", "mimeType": "text/csv", "buffer": exported_csv.encode()}
    )
    try:
        pg.wait_for_function(
            f"!['{generated}', ''].includes(document.body.dataset.plan)", timeout=60_000
        )
    except Exception:
        raise AssertionError((pg.locator("#notice").inner_text(), pg.errors)) from None
    expect(pg.locator("#notice")).to_contain_text("已导入为草案")
    imported = pg.evaluate("""async () => {
      const plan = document.body.dataset.plan;
      const all = await (await fetch(`/api/v1/plans/${plan}/buildings`)).json();
      return all.features.map(f => `${f.properties.code},${f.properties.grid}`).sort(); }""")
    assert imported == sorted(",".join(line.split(",")[:2]) for line in lines[1:])
    assert pg.errors == []
    pg.context.close()

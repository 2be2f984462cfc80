"""The planner's tools beyond the plan routes: GET /api/v1/plans/{id}/buildings (each
building with its grid in that plan, within the reader's scope); locking a grid and
rebalancing a community around the locked ones (locked grids byte for byte unchanged,
the rebalance undone by a reassign); POST /api/v1/plans/import, a plan exported as
grids (GeoJSON, GeoPackage) or as a building → grid CSV coming back (a job) as a draft
with the same building → grid assignment, and a bad file a 422 naming file, row and
field that stores nothing."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from gis.db.statements import query
from gis.partition import Rules, write_plan
from gis.partition.publish import publish_plan
from gis.partition.store import create_plan, load_plan, plan_assignment, plan_row
from tests.common import bearer, worker_process

STREET = "331004001000"


@pytest.fixture(scope="module")
def city(plan_city):
    engine, settings = plan_city
    plan = create_plan(engine, STREET, name="tools", rules=Rules(20, 50), seed=1)
    with worker_process(settings.database_url), TestClient(create_app(settings)) as client:
        yield engine, client, plan


def test_the_buildings_carry_their_grid_in_the_plan(city) -> None:
    engine, client, plan = city
    answer = client.get(f"/api/v1/plans/{plan}/buildings", headers=bearer(engine, "planner"))
    assert answer.status_code == 200, answer.text
    features = answer.json()["features"]
    with engine.connect() as conn:
        stored = plan_assignment(conn, plan)
    assert {f["properties"]["code"]: f["properties"]["grid"] for f in features} == dict(
        zip(stored["building_id"], stored["grid_code"], strict=True)
    )
    first = features[0]
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert {"households", "lon", "lat"} <= set(first["properties"])
    # the planner's draft was read into memory, as the planner (every building of it)
    with engine.connect() as conn:
        version = plan_row(conn, plan)["version"]
        changed = conn.execute(query("gis.partition", "plans", "inputs_changed")).scalar_one()
    entry = client.app.state.plan_cache.get((plan, version, changed))
    assert entry is not None and entry.loaded
    assert sorted(entry.plan.assignment["building_id"]) == sorted(stored["building_id"])


def test_outside_the_scope_or_unknown_is_refused(city) -> None:
    engine, client, plan = city
    with engine.connect() as conn:
        other = conn.execute(text(
            "SELECT code FROM area WHERE level = 'street' AND code <> :s ORDER BY code LIMIT 1"
        ), {"s": STREET}).scalar_one()  # fmt: skip
    outsider = bearer(engine, "planner", scope=other)
    assert client.get(f"/api/v1/plans/{plan}/buildings", headers=outsider).status_code == 403
    admin = bearer(engine, "admin")
    assert client.get("/api/v1/plans/999999/buildings", headers=admin).status_code == 404
    assert client.get(f"/api/v1/plans/{plan}/buildings").status_code == 401


# -- locks and rebalance ---------------------------------------------------------------


def tag_of(client, plan: int, headers: dict) -> str:
    return client.get(f"/api/v1/plans/{plan}", headers=headers).headers["etag"]


def post(client, plan: int, kind: str, body: dict, headers: dict):
    tagged = {**headers, "If-Match": tag_of(client, plan, headers)}
    return client.post(f"/api/v1/plans/{plan}/edits/{kind}", json=body, headers=tagged)


def stored_grids(engine, plan: int) -> dict[str, tuple]:
    """Each grid's code → (geometry bytes, households, locked, its buildings)."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            """SELECT g.code, ST_AsBinary(g.geom), g.households, g.locked,
                      array(SELECT b.code FROM building_grid bg JOIN building b
                            ON b.id = bg.building_id WHERE bg.grid_id = g.id ORDER BY b.code)
               FROM grid g WHERE g.plan_id = :p"""
        ), {"p": plan}).all()  # fmt: skip
    return {r[0]: (bytes(r[1]), r[2], r[3], tuple(r[4])) for r in rows}


def busiest_community(engine, plan: int) -> tuple[str, list[str]]:
    grids = stored_grids(engine, plan)
    by = {}
    for code in grids:
        by.setdefault(code[:12], []).append(code)
    community = max(by, key=lambda c: len(by[c]))
    return community, sorted(by[community])


def test_a_rebalance_leaves_locked_grids_byte_for_byte(city) -> None:
    engine, client, _ = city
    admin = bearer(engine, "planner")
    plan = create_plan(engine, STREET, name="rebalance", rules=Rules(20, 50), seed=4)
    community, codes = busiest_community(engine, plan)
    assert len(codes) >= 3
    keep = codes[:2]
    for code in keep:
        done = post(client, plan, "lock", {"grid": code}, admin)
        assert done.status_code == 200, done.text
        assert done.json()["is_locked"] and code in done.json()["locked"]
    before = stored_grids(engine, plan)
    assert {c for c, g in before.items() if g[2]} == set(keep)
    # the households move: the unlocked grids' buildings go elsewhere, the locked stay
    done = post(client, plan, "rebalance", {"community": community}, admin)
    assert done.status_code == 200, done.text
    assert done.json()["locked"] == keep
    after = stored_grids(engine, plan)
    for code in keep:
        assert after[code] == before[code], code
    with engine.connect() as conn:
        stored = plan_assignment(conn, plan)
    assert len(stored) == sum(len(g[3]) for g in before.values())  # every building placed
    mine = {b for c, g in before.items() if c.startswith(community) for b in g[3]}
    assert {b for c, g in after.items() if c.startswith(community) for b in g[3]} == mine
    # undone: every building of the community back in the grid it was in
    places = {b: c for c, g in before.items() if c.startswith(community) for b in g[3]}
    body = {"community": community, "buildings": places}
    undone = post(client, plan, "reassign", body, admin)
    assert undone.status_code == 200, undone.text
    back = stored_grids(engine, plan)
    assert {c: g[3] for c, g in back.items()} == {c: g[3] for c, g in before.items()}
    for code in keep:
        assert back[code] == before[code], code
    after = back
    # a move out of a locked grid is refused and changes nothing
    building = before[keep[0]][3][0]
    other = next(c for c in after if c.startswith(community) and c not in keep)
    refused = post(client, plan, "move", {"buildings": [building], "grid": other}, admin)
    assert refused.status_code == 409, refused.text
    assert keep[0] in refused.json()["detail"]
    assert stored_grids(engine, plan) == after
    # unlocked, it moves
    assert post(client, plan, "lock", {"grid": keep[0], "locked": False}, admin).status_code == 200
    moved = post(client, plan, "move", {"buildings": [building], "grid": other}, admin)
    assert moved.status_code == 200, moved.text
    assert building in stored_grids(engine, plan)[other][3]


def test_locks_need_a_draft_if_match_and_a_known_grid(city) -> None:
    engine, client, _ = city
    admin = bearer(engine, "planner")
    plan = create_plan(engine, STREET, name="locks", rules=Rules(20, 50), seed=5)
    community, codes = busiest_community(engine, plan)
    url = f"/api/v1/plans/{plan}/edits/lock"
    assert client.post(url, json={"grid": codes[0]}, headers=admin).status_code == 428
    stale = {**admin, "If-Match": f'"plan-{plan}-v0"'}
    assert client.post(url, json={"grid": codes[0]}, headers=stale).status_code == 412
    unknown = post(client, plan, "lock", {"grid": "331004999999001"}, admin)
    assert unknown.status_code == 404 and "331004999999001" in unknown.json()["detail"]
    for code in codes:  # every grid locked: nothing to rebalance
        assert post(client, plan, "lock", {"grid": code}, admin).status_code == 200
    nothing = post(client, plan, "rebalance", {"community": community}, admin)
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "community"
    publish_plan(engine, plan, published_by="test")
    published = post(client, plan, "lock", {"grid": codes[0], "locked": False}, admin)
    assert published.status_code == 409, published.text
    assert published.headers["content-type"] == "application/problem+json"


# -- import ------------------------------------------------------------------------
VRT = (
    b'<OGRVRTDataSource><OGRVRTLayer name="grids"><SrcDataSource>CSV:/etc/hostname'
    b"</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
)
ZIPPED = b"PK\x03\x04" + bytes(200)  # a zip's signature

PROBLEM = "application/problem+json"


def assignment(engine, plan: int) -> dict[str, str]:
    with engine.connect() as conn:
        stored = plan_assignment(conn, plan)
    return dict(zip(stored["building_id"], stored["grid_code"], strict=True))


def plans(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM grid_plan")).scalar_one()


def upload(client, headers, name: str, data: bytes, area: str = STREET):
    form = {"area": area, "name": f"imported {name}", "min_households": "20",
            "max_households": "50"}  # fmt: skip
    return client.post("/api/v1/plans/import", data=form, files={"file": (name, data)},
                       headers=headers)  # fmt: skip


def imported(client, headers, response) -> int:
    """The draft the import job made."""
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 120
    url = response.headers["location"]
    while (job := client.get(url, headers=headers).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done", job["error"]
    return job["result"]["plan_id"]


def exported_csv(client, headers, plan: int) -> bytes:
    """The CSV the planner page exports: building_code,grid_code,households."""
    features = client.get(f"/api/v1/plans/{plan}/buildings", headers=headers).json()["features"]
    rows = [f"{f['properties']['code']},{f['properties']['grid']},{f['properties']['households']}"
            for f in features]  # fmt: skip
    return ("building_code,grid_code,households\n" + "\n".join(rows) + "\n").encode()


def test_an_exported_plan_imports_as_the_same_plan(city, tmp_path) -> None:
    engine, client, plan = city
    headers = bearer(engine, "planner")
    want = assignment(engine, plan)
    grids = client.get(f"/api/v1/plans/{plan}", headers=headers).json()["grids"]
    with engine.connect() as conn:
        _, stored = load_plan(conn, plan)
    write_plan(stored, tmp_path / "plan.gpkg", community_id="community_code")
    files = {
        "grids.geojson": json.dumps(grids).encode(),
        "plan.gpkg": (tmp_path / "plan.gpkg").read_bytes(),
        "buildings.csv": exported_csv(client, headers, plan),
    }
    for name, data in files.items():
        made = imported(client, headers, upload(client, headers, name, data))
        assert made != plan
        assert assignment(engine, made) == want, name
        report = client.get(f"/api/v1/plans/{made}/report", headers=headers).json()
        assert report["buildings"] == len(want)
        again = client.get(f"/api/v1/plans/{made}", headers=headers).json()
        assert again["status"] == "draft"
        assert sorted(f["properties"]["households"] for f in again["grids"]["features"]) == sorted(
            f["properties"]["households"] for f in grids["features"]
        ), name


def test_bad_rows_are_named_and_nothing_is_stored(city) -> None:
    engine, client, plan = city
    headers = bearer(engine, "planner")
    good = exported_csv(client, headers, plan).decode().splitlines()
    first, second = good[1].split(","), good[2].split(",")
    rows = [
        good[0],
        f"no-such-building,{first[1]},1",  # row 1: unknown building
        f"{first[0]},{first[1][:-3]}x01,1",  # row 2: not a grid code
        f"{second[0]},{second[1]},1",
        f"{second[0]},{second[1]},1",  # row 4: the same building again
        *good[3:],
    ]
    before = plans(engine)
    refused = upload(client, headers, "bad.csv", "\n".join(rows).encode())
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    found = {(e["row"], e["field"]) for e in refused.json()["errors"]}
    assert {(2, "grid_code"), (4, "building_code")} <= found
    assert all(e["file"] == "bad.csv" for e in refused.json()["errors"])
    assert "bad.csv, row 2, field 'grid_code'" in refused.json()["detail"]
    # read well, but against the area: an unknown building, a grid code of the wrong
    # community, buildings left out
    other = good[1].split(",")
    wrong = [good[0], f"{other[0]},331004001999001,1", rows[1], *good[2:-1]]
    refused = upload(client, headers, "wrong.csv", "\n".join(wrong).encode())
    assert refused.status_code == 422, refused.text
    messages = {(e["row"], e["field"]): e["message"] for e in refused.json()["errors"]}
    assert "not a grid of community" in messages[(1, "grid_code")]
    assert "no building 'no-such-building'" in messages[(2, "building_code")]
    assert "not in the file" in messages[(None, "building_code")]
    assert plans(engine) == before


def test_bad_grids_are_named(city) -> None:
    engine, client, plan = city
    headers = bearer(engine, "planner")
    grids = client.get(f"/api/v1/plans/{plan}", headers=headers).json()["grids"]
    features = grids["features"]
    features[1]["properties"]["code"] = ""
    features[2]["geometry"] = {"type": "Point", "coordinates": [121.4, 28.6]}
    features[3]["properties"]["code"] = features[0]["properties"]["code"]
    before = plans(engine)
    refused = upload(client, headers, "grids.geojson", json.dumps(grids).encode())
    assert refused.status_code == 422, refused.text
    found = {(e["row"], e["field"]) for e in refused.json()["errors"]}
    assert {(2, "code"), (3, "geometry"), (4, "code")} <= found
    for name, data, says in [
        ("plan.txt", b"x", "unknown file type"),
        ("grids.geojson", b"{not json", "not a readable"),
        ("plan.csv", b"a,b\n1,2\n", "no such column"),
        # GDAL would open these by their content: a virtual dataset reading a server
        # file, and a zip it would unpack; neither reaches GDAL.
        ("grids.geojson", VRT, "not a readable GeoJSON"),
        ("grids.gpkg", VRT, "not a GeoPackage"),
        ("grids.geojson", ZIPPED, "not a readable GeoJSON"),
        ("grids.gpkg", ZIPPED, "not a GeoPackage"),
    ]:
        refused = upload(client, headers, name, data)
        assert refused.status_code == 422 and says in refused.json()["detail"], refused.text
    assert plans(engine) == before
    outside = bearer(engine, "planner", scope="331004002000")
    assert upload(client, outside, "grids.geojson", b"{}").status_code == 403
    assert upload(client, headers, "grids.geojson", b"{}", area="331004999999").status_code == 404

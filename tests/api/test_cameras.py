"""Which cameras see an incident, coverage and blind spots, on a hand-built street.

The small town of tests/incident_town.py, plus a wall and five cameras laid out in
metres around a point of the community HOME:

    C1 (0, 0) looks east (60°, 100 m)       the wall: x 20..22, y -15..15
    C2 (100, 0) a dome of 80 m              C6 (60, 40) an offline dome of 60 m
    C3 (0, -50) looks north (40°, 200 m)    C4 (300, 300) far away

I1 (35, 0) lies behind the wall from C1; C2 and C6 see it. I2 (10, 3) is in front of the
wall: C1 and C3 see it. I4 (-300, 200) is in nobody's view. I3 is in another street.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from fastapi.testclient import TestClient
from numpy.testing import assert_allclose
from sqlalchemy import bindparam, text

from api.app import create_app
from gis.cameras.refresh import queue_sizes, refresh
from tests.common import bearer
from tests.incident_town import FAR, HOME, IN_FAR, build_town, grid_of

ORIGIN = (121.312, 28.555)
METRIC = pyproj.CRS.from_epsg(4549)
REPORTED = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SHAPE = {"code", "name", "level", "status", "distance_m", "bearing_deg", "visible",
         "stream_url", "last_heartbeat_at"}  # fmt: skip


def _lonlat(geoms) -> list:
    to_metric = pyproj.Transformer.from_crs(4326, METRIC, always_xy=True)
    ox, oy = to_metric.transform(*ORIGIN)
    moved = shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy + np.array([ox, oy]))
    return list(gpd.GeoSeries(moved, crs=METRIC).to_crs(4326).values)


def _cameras() -> gpd.GeoDataFrame:
    rows = [  # code, x, y, heading, fov, range, status, level
        ("C1", 0, 0, 90, 60, 100, "online", "street"),
        ("C2", 100, 0, 0, 360, 80, "online", "district"),
        ("C3", 0, -50, 0, 40, 200, "online", "community"),
        ("C4", 300, 300, 0, 90, 50, "online", "private"),
        ("C6", 60, 40, 0, 360, 60, "offline", "street"),
    ]
    frame = pd.DataFrame(rows, columns=["code", "x", "y", "heading", "fov_deg", "range_m",
                                        "status", "level"])  # fmt: skip
    frame["name"] = "测试" + frame["code"]
    frame["stream_url"] = "http://127.0.0.1:9/live/" + frame["code"] + ".m3u8"
    points = _lonlat(shapely.points(frame["x"], frame["y"]))
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]), geometry=points, crs=4326)


def _incidents() -> gpd.GeoDataFrame:
    points = [*_lonlat(shapely.points([35, 10, -300], [0, 3, 200])), shapely.Point(IN_FAR)]
    return gpd.GeoDataFrame(
        {"code": ["I1", "I2", "I4", "I3"], "category": "public_security",
         "source": "hotline", "reported_at": [REPORTED.isoformat()] * 4},
        geometry=points, crs=4326,
    )  # fmt: skip


WALL = gpd.GeoDataFrame(
    {"code": ["WALL"], "address": ["围墙"], "levels": [1], "kind": ["other"],
     "households": [0]},
    geometry=_lonlat([shapely.box(20, -15, 22, 15)]), crs=4326,
)  # fmt: skip


@pytest.fixture(scope="module")
def street(make_database):
    from gis.load import load_frame

    engine, settings = build_town(make_database, "wangge_cameras")
    load_frame(engine, "buildings", WALL)
    load_frame(engine, "cameras", _cameras())
    load_frame(engine, "incidents", _incidents())
    refresh(engine)
    yield engine, settings
    engine.dispose()


@pytest.fixture(scope="module")
def client(street):
    with TestClient(create_app(street[1])) as c:
        yield c


def _cams(client, code: str, headers) -> list[dict]:
    response = client.get(f"/api/v1/incidents/{code}/cameras", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["cameras"]


def test_the_cameras_that_see_come_nearest_first_then_the_blocked(client, street) -> None:
    response = client.get("/api/v1/incidents/I1/cameras", headers=bearer(street[0], "operator"))
    body = response.json()
    assert body["incident"] == "I1"
    got = [(c["code"], c["visible"]) for c in body["cameras"]]
    assert got == [("C6", True), ("C2", True), ("C1", False)]
    assert all(set(c) == SHAPE for c in body["cameras"])
    c6, c2, c1 = body["cameras"]
    assert_allclose([c6["distance_m"], c2["distance_m"], c1["distance_m"]],
                    [np.hypot(25, 40), 65, 35], atol=0.5)  # fmt: skip
    assert_allclose([c2["bearing_deg"], c1["bearing_deg"]], [270, 90], atol=1.0)
    assert c6["status"] == "offline" and c2["level"] == "district"
    assert c1["stream_url"].endswith("/C1.m3u8") and c1["last_heartbeat_at"] is None


def test_in_front_of_the_wall_the_camera_sees(client, street) -> None:
    cams = _cams(client, "I2", bearer(street[0], "grid_worker", grid_of(street[0], HOME)))
    # C3, looking north from 53 m south, has it 10.7° off its axis: within its 20°.
    assert [(c["code"], c["visible"]) for c in cams] == [("C1", True), ("C3", True)]


def test_an_incident_out_of_scope_is_not_found_and_a_viewer_may_not_ask(client, street) -> None:
    engine = street[0]
    elsewhere = bearer(engine, "operator", FAR)
    assert client.get("/api/v1/incidents/I1/cameras", headers=elsewhere).status_code == 404
    assert _cams(client, "I3", elsewhere) == []  # in scope: nobody's range reaches it
    viewer = client.get("/api/v1/incidents/I1/cameras", headers=bearer(engine, "viewer"))
    assert viewer.status_code == 403
    missing = client.get("/api/v1/incidents/NOPE/cameras", headers=bearer(engine, "admin"))
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_coverage_by_community_and_by_grid_agree(client, street) -> None:
    admin = bearer(street[0], "admin")
    communities = client.get("/api/v1/coverage", params={"area": HOME, "by": "community"},
                             headers=admin).json()["items"]  # fmt: skip
    grids = client.get("/api/v1/coverage", params={"area": HOME}, headers=admin).json()["items"]
    assert [c["code"] for c in communities] == [HOME] and len(grids) == 1
    home, grid = communities[0], grids[0]
    footprints = 2 * 20 * 20 + 2 * 30  # two town buildings about 20 m square, the wall
    assert_allclose(home["area_m2"] - home["public_m2"], footprints, rtol=0.15)
    assert 0 < home["covered_share"] < 0.05 and not home["stale"]
    assert_allclose([grid["public_m2"], grid["blind_m2"]], [home["public_m2"], home["blind_m2"]],
                    rtol=1e-3)  # geography against the local metric CRS  # fmt: skip


def test_coverage_counts_only_online_cameras(street) -> None:
    engine = street[0]
    union = ("SELECT ST_Area(ST_Union(v.geom)::geography) FROM camera_view v "
             "JOIN camera k ON k.id = v.camera_id AND k.status IN :statuses")  # fmt: skip
    with engine.connect() as conn:
        online, every = (
            conn.execute(text(union).bindparams(bindparam("statuses", expanding=True)),
                         {"statuses": s}).scalar_one()
            for s in (["online"], ["online", "offline"])
        )  # fmt: skip
        covered = conn.execute(text(
            "SELECT v.covered_m2 FROM camera_coverage v JOIN area a ON a.id = v.community_id "
            "WHERE a.code = :c"), {"c": HOME}).scalar_one()  # fmt: skip
    # Every view lies in HOME; the stored figure is in the local metric CRS (a scale
    # factor of 1.0002 here), the union's on the spheroid.
    assert_allclose(covered, online, rtol=1e-3)
    assert every > 1.03 * online  # C6, offline, would have added this much


def test_coverage_refuses_bad_input_naming_it(client, street, monkeypatch) -> None:
    admin = bearer(street[0], "admin")
    monkeypatch.setattr("gis.cameras.queries.MAX_GRIDS", 3)  # the town has 4 grids
    many = client.get("/api/v1/coverage", params={"area": "331004000000"}, headers=admin)
    assert many.status_code == 422 and many.json()["errors"][0]["field"] == "area"
    few = client.get("/api/v1/coverage", params={"area": "331004001000"}, headers=admin)
    assert few.status_code == 200 and len(few.json()["items"]) == 2
    bad = client.get("/api/v1/coverage", params={"area": HOME, "by": "street"}, headers=admin)
    assert bad.status_code == 422 and "by" in bad.text
    assert client.get("/api/v1/coverage", headers=admin).status_code == 422
    unknown = client.get("/api/v1/coverage", params={"area": "331004999999"}, headers=admin)
    assert unknown.status_code == 404
    span = client.get("/api/v1/coverage/blind-spots", headers=admin, params={
        "area": HOME, "from": "2025-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"})  # fmt: skip
    assert span.status_code == 422 and span.json()["errors"][0]["field"] == "from"


def test_blind_spots_rank_grids_by_uncovered_area_weighted_by_incidents(client, street) -> None:
    engine = street[0]
    period = {"from": (REPORTED - timedelta(days=1)).isoformat(),
              "to": (REPORTED + timedelta(days=1)).isoformat()}  # fmt: skip
    body = client.get("/api/v1/coverage/blind-spots", params={"area": "331004000000", **period},
                      headers=bearer(engine, "operator")).json()  # fmt: skip
    assert body["by"] == "grid"
    rows = {i["community_code"]: i for i in body["items"]}
    counts = {c: (r["incidents"], r["incidents_in_blind_spots"]) for c, r in rows.items()}
    # HOME: I1, I2 (seen) and I4 (in a blind spot); FAR: I3, where no camera looks.
    assert counts == {HOME: (3, 1), FAR: (1, 1), "331004001002": (0, 0),
                      "331004002002": (0, 0)}  # fmt: skip
    for r in rows.values():
        assert_allclose(r["score"], r["blind_m2"] * (1 + r["incidents_in_blind_spots"]),
                        rtol=1e-6)  # fmt: skip
    assert rows[HOME]["blind_m2"] < rows[HOME]["public_m2"] - 30_000  # what C1-C4 see
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)
    assert {i["community_code"] for i in body["items"][:2]} == {HOME, FAR}
    # A street's operator sees the ranking of their street's grids only.
    west = client.get("/api/v1/coverage/blind-spots", params={"area": "331004000000", **period},
                      headers=bearer(engine, "operator", "331004002000")).json()  # fmt: skip
    assert {i["community_code"][:9] for i in west["items"]} == {"331004002"}
    communities = client.get(
        "/api/v1/coverage/blind-spots",
        headers=bearer(engine, "operator"),
        params={"area": "331004000000", "by": "community", **period},
    )
    assert communities.json()["by"] == "community"
    assert {
        i["code"]: (i["incidents"], i["incidents_in_blind_spots"])
        for i in communities.json()["items"]
    } == counts  # one grid per community here
    viewer = client.get("/api/v1/coverage/blind-spots", params={"area": HOME},
                        headers=bearer(engine, "viewer"))  # fmt: skip
    assert viewer.status_code == 403


def test_the_tiles_draw_views_and_blind_spots(client, street) -> None:
    import mapbox_vector_tile
    import morecantile

    tile = morecantile.tms.get("WebMercatorQuad").tile(*ORIGIN, 16)
    admin = bearer(street[0], "admin")
    for layer, attribute in (("camera_coverage", "code"), ("blind_spots", "community_code")):
        response = client.get(f"/tiles/{layer}/16/{tile.x}/{tile.y}.mvt", headers=admin)
        assert response.status_code == 200, response.text
        features = mapbox_vector_tile.decode(response.content)[layer]["features"]
        assert features and all(attribute in f["properties"] for f in features)
    elsewhere = bearer(street[0], "operator", FAR)
    response = client.get(f"/tiles/blind_spots/16/{tile.x}/{tile.y}.mvt", headers=elsewhere)
    assert response.status_code == 200 and response.content == b""


def test_changes_queue_what_they_stale_and_refresh_brings_answers_up_to_date(
    client, street
) -> None:
    engine = street[0]
    operator = bearer(engine, "operator")
    with engine.begin() as conn:  # a heartbeat or a new name changes nothing seen
        conn.execute(text("UPDATE camera SET last_heartbeat_at = now(), name = name || '*'"))
    with engine.connect() as conn:
        assert queue_sizes(conn) == {"cameras": 0, "communities": 0}
    with engine.begin() as conn:  # a status change stales coverage, not views
        conn.execute(text("UPDATE camera SET status = 'maintenance' WHERE code = 'C2'"))
    with engine.connect() as conn:
        sizes = queue_sizes(conn)
    assert sizes["cameras"] == 0 and sizes["communities"] >= 1
    with engine.begin() as conn:  # the wall comes down: C1 and C2 are stale
        conn.execute(text("DELETE FROM building WHERE code = 'WALL'"))
        stale = conn.execute(text(
            "SELECT k.code FROM camera_view_queue q JOIN camera k ON k.id = q.camera_id "
            "ORDER BY k.code")).scalars().all()  # fmt: skip
    assert stale == ["C1", "C2", "C3", "C6"]  # every camera whose range reaches the wall
    assert [c["visible"] for c in _cams(client, "I1", operator) if c["code"] == "C1"] == [False]
    done = refresh(engine)
    assert done.cameras == 4 and done.communities >= 1
    assert [c["visible"] for c in _cams(client, "I1", operator) if c["code"] == "C1"] == [True]
    with engine.connect() as conn:
        assert queue_sizes(conn) == {"cameras": 0, "communities": 0}
    with engine.begin() as conn:  # put the street back as it was
        conn.execute(text("UPDATE camera SET status = 'online' WHERE code = 'C2'"))
    from gis.load import load_frame

    load_frame(engine, "buildings", WALL)
    refresh(engine)
    assert [c["visible"] for c in _cams(client, "I1", operator) if c["code"] == "C1"] == [False]

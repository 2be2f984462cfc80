"""Vector tiles over the sample city: every layer decoded, filters, ETags, TileJSON."""

from __future__ import annotations

from collections import Counter

import mapbox_vector_tile
import morecantile
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import text

from api.app import create_app
from tests.common import signed_in
from tiles.layers import sql_text
from tiles.mvt import tile_query, tile_sql

TMS = morecantile.tms.get("WebMercatorQuad")


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    t = TMS.tile(lon, lat, z)
    return t.z, t.x, t.y


def get_tile(client, layer: str, z: int, x: int, y: int, **params) -> dict:
    response = client.get(f"/tiles/{layer}/{z}/{x}/{y}.mvt", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    decoded = mapbox_vector_tile.decode(response.content)
    return decoded.get(layer, {"features": [], "extent": 4096})


def first(engine, sql: str, params: dict | None = None):
    with engine.connect() as conn:
        return conn.execute(text(sql), params or {}).one()


def test_district_tile_holds_the_district(client) -> None:
    layer = get_tile(client, "districts", 8, *tile_of(121.4, 28.55, 8)[1:])
    assert layer["extent"] == 4096
    codes = {f["properties"]["code"] for f in layer["features"]}
    assert codes == {"331004000000"}


@pytest.mark.parametrize(
    ("layer", "table", "z", "attributes"),
    [
        ("streets", "area WHERE level = 'street'", 11, {"code", "name", "level"}),
        ("communities", "area WHERE level = 'community'", 13, {"code", "name", "parent_code"}),
        ("buildings", "building", 16, {"code", "address", "households", "levels", "kind"}),
        ("cameras", "camera", 15, {"code", "heading", "fov_deg", "range_m", "status"}),
        ("incidents", "incident", 16, {"code", "category", "status", "reported_at"}),
    ],
    ids=["streets", "communities", "buildings", "cameras", "incidents"],
)
def test_each_layer_serves_the_feature_under_it(
    client, engine, layer: str, table: str, z: int, attributes: set[str]
) -> None:
    code, lon, lat = first(
        engine,
        f"SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
        f"FROM {table} ORDER BY code LIMIT 1",
    )
    decoded = get_tile(client, layer, *tile_of(lon, lat, z))
    features = {f["properties"]["code"]: f for f in decoded["features"]}
    assert code in features
    assert attributes <= set(features[code]["properties"])


def test_buildings_are_not_served_below_their_minzoom(client, engine) -> None:
    _, lon, lat = first(
        engine,
        "SELECT code, ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM building LIMIT 1",
    )
    response = client.get("/tiles/buildings/{}/{}/{}.mvt".format(*tile_of(lon, lat, 11)))
    assert response.status_code == 200 and response.content == b""


def test_low_zoom_buildings_are_counted_not_dropped(client, engine) -> None:
    total, households = first(engine, "SELECT count(*), sum(households) FROM building")
    west, south, east, north = first(
        engine, "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(geom) AS e FROM building) s"
    )  # fmt: skip
    features = []
    for t in TMS.tiles(west, south, east, north, [12]):
        features += get_tile(client, "buildings", t.z, t.x, t.y)["features"]
    # Cells align with tile edges: every building is counted once, in exactly one tile.
    assert sum(f["properties"]["count"] for f in features) == total
    assert sum(f["properties"]["households"] for f in features) == households


def test_low_zoom_incidents_are_counted_not_dropped(client, engine) -> None:
    total = first(engine, "SELECT count(*) FROM incident")[0]
    z, x, y = tile_of(121.4, 28.55, 8)  # one tile over the whole district
    features = get_tile(client, "incidents", z, x, y)["features"]
    assert features and all("count" in f["properties"] for f in features)
    assert sum(f["properties"]["count"] for f in features) == total


def test_incident_filters(client, engine) -> None:
    z, x, y = tile_of(121.4, 28.55, 8)
    counts = dict(
        first(engine, "SELECT json_object_agg(category, n) FROM "
              "(SELECT category, count(*) AS n FROM incident GROUP BY category) s")[0]
    )  # fmt: skip
    category = max(counts, key=counts.get)
    features = get_tile(client, "incidents", z, x, y, category=category)["features"]
    assert sum(f["properties"]["count"] for f in features) == counts[category]
    since, until = "2026-06-01T00:00:00+08:00", "2026-07-01T00:00:00+08:00"
    expected = first(
        engine,
        f"SELECT count(*) FROM incident WHERE reported_at >= '{since}' AND reported_at < '{until}'",
    )[0]
    features = get_tile(client, "incidents", z, x, y, since=since, until=until)["features"]
    assert sum(f["properties"]["count"] for f in features) == expected
    open_only = get_tile(client, "incidents", z, x, y, status=["reported", "accepted"])
    expected_open = first(
        engine, "SELECT count(*) FROM incident WHERE status IN ('reported', 'accepted')"
    )[0]
    assert sum(f["properties"]["count"] for f in open_only["features"]) == expected_open


def test_etag_changes_exactly_when_data_under_the_tile_changes(client, engine) -> None:
    code, lon, lat = first(
        engine, "SELECT code, ST_X(geom), ST_Y(geom) FROM incident ORDER BY code LIMIT 1"
    )
    here = "/tiles/incidents/{}/{}/{}.mvt".format(*tile_of(lon, lat, 16))
    far = "/tiles/incidents/{}/{}/{}.mvt".format(*tile_of(121.2, 28.45, 16))
    tag_here, tag_far = client.get(here).headers["etag"], client.get(far).headers["etag"]
    assert client.get(here, headers={"If-None-Match": tag_here}).status_code == 304
    assert client.get(here).headers["etag"] == tag_here  # nothing changed: same tag
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incident (code, category, source, reported_at, geom) "
                "VALUES ('ETAG-TEST', 'traffic', 'hotline', now(), "
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"
            ),
            {"lon": lon + 1e-6, "lat": lat},
        )
    try:
        response = client.get(here, headers={"If-None-Match": tag_here})
        assert response.status_code == 200 and response.headers["etag"] != tag_here
        codes = {
            f["properties"]["code"]
            for f in mapbox_vector_tile.decode(response.content)["incidents"]["features"]
        }
        assert {"ETAG-TEST", code} <= codes
        assert client.get(far).headers["etag"] == tag_far
    finally:  # the session's city is shared: leave it as found
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM incident WHERE code = 'ETAG-TEST'"))


def test_publishing_a_plan_changes_the_grid_tiles(client, engine) -> None:
    code, lon, lat = first(
        engine,
        "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
        "FROM area WHERE level = 'community' ORDER BY code LIMIT 1",
    )
    url = "/tiles/grids/{}/{}/{}.mvt".format(*tile_of(lon, lat, 14))
    before = client.get(url)
    assert before.content == b""
    with engine.begin() as conn:
        plan = conn.execute(
            text(
                "INSERT INTO grid_plan (name, area_id) SELECT 'test', id FROM area "
                "WHERE code = :code RETURNING id"
            ),
            {"code": code},
        ).scalar()
        conn.execute(
            text(
                "INSERT INTO grid (plan_id, community_id, code, geom, households) "
                "SELECT :plan, id, code || '001', geom, 300 FROM area WHERE code = :code"
            ),
            {"plan": plan, "code": code},
        )
    unpublished = client.get(url)
    assert unpublished.content == b""
    draft = get_tile(client, "grids", *tile_of(lon, lat, 14), plan=plan)
    assert [f["properties"]["code"] for f in draft["features"]] == [code + "001"]
    with engine.begin() as conn:
        conn.execute(text("UPDATE grid_plan SET status = 'published' WHERE id = :id"), {"id": plan})
    published = client.get(url)
    assert published.headers["etag"] != unpublished.headers["etag"]
    features = mapbox_vector_tile.decode(published.content)["grids"]["features"]
    assert features[0]["properties"]["households"] == 300
    with engine.begin() as conn:  # leave the shared database as it was
        conn.execute(text("DELETE FROM grid_plan WHERE id = :id"), {"id": plan})


def test_tilejson(client) -> None:
    body = client.get("/tiles/buildings.json", params={"category": "x"}).json()
    assert body["tilejson"] == "3.0.0" and body["minzoom"] == 12
    assert body["tiles"][0].endswith("/tiles/buildings/{z}/{x}/{y}.mvt?category=x")
    west, south, east, north = body["bounds"]
    assert 121 < west < east < 122 and 28 < south < north < 29
    assert body["vector_layers"][0]["id"] == "buildings"


@pytest.mark.parametrize(
    ("url", "status", "detail"),
    [
        ("/tiles/roads/1/0/0.mvt", 404, "there is no tile layer 'roads'"),
        ("/tiles/buildings/3/8/0.mvt", 422, "tile 3/8/0 does not exist"),
        ("/tiles/buildings/23/0/0.mvt", 422, "zoom 23 is outside 0..22"),
        ("/tiles/incidents/1/0/0.mvt?since=2026-02-01&until=2026-01-01", 422, "since must be"),
        ("/tiles/incidents/1/0/0.mvt?since=last-week", 422, "since must be an ISO 8601 time"),
        ("/tiles/grids/1/0/0.mvt?plan=newest", 422, "plan must be a plan id"),
        ("/tiles/roads.json", 404, "there is no tile layer"),
    ],
    ids=["unknown-layer", "x-out-of-range", "zoom-too-deep", "empty-window", "bad-time",
         "bad-plan", "tilejson-unknown"],
)  # fmt: skip
def test_bad_tile_requests_are_problems(client, url: str, status: int, detail: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_the_tile_route_documents_its_query_parameters(client) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/tiles/{layer}/{z}/{x}/{y}.mvt"]
    names = {p["name"]: p["in"] for p in operation["get"]["parameters"]}
    query = ("plan", "category", "status", "since", "until")
    assert names == {"layer": "path", "z": "path", "x": "path", "y": "path"} | dict.fromkeys(
        query, "query"
    )


def reference_tile(engine, z: int, x: int, y: int) -> dict:
    """The buildings tile as plain ST_AsMVTGeom makes it (tiles/sql/buildings_reference.sql)."""
    q = tile_query("buildings", z, x, y)
    with engine.connect() as conn:
        data = conn.execute(text(sql_text("buildings_reference.sql")), q.params()).scalar()
    return mapbox_vector_tile.decode(bytes(data or b"")).get("buildings", {"features": []})


def assert_same_buildings(served: dict, reference: dict) -> None:
    ours = {f["properties"]["code"]: f for f in served["features"]}
    theirs = {f["properties"]["code"]: f for f in reference["features"]}
    assert ours.keys() == theirs.keys()
    for code, feature in ours.items():
        geometry = shape(feature["geometry"])
        assert geometry.is_valid, code
        assert geometry.equals(shape(theirs[code]["geometry"])), code
        assert feature["properties"] == theirs[code]["properties"], code


@pytest.mark.parametrize("z", [14, 15, 16, 18])
def test_building_fast_path_draws_what_st_asmvtgeom_draws(client, engine, z: int) -> None:
    # Tiles under the first 400 footprints: whole ones take the fast path, those over
    # a tile's edge the fallback; both must draw what plain ST_AsMVTGeom draws.
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) AS c FROM building "
                 "ORDER BY code LIMIT 400) s")
        ).all()  # fmt: skip
    fast = 0
    for tile in sorted({tile_of(lon, lat, z) for lon, lat in rows})[:6]:
        assert_same_buildings(get_tile(client, "buildings", *tile), reference_tile(engine, *tile))
        fast += first(engine, _FAST_COUNT, dict(zip("zxy", tile, strict=True)))[0]
    assert fast > 0  # the fast path was taken, not only the fallback


_FAST_COUNT = (
    "SELECT count(*) FROM building WHERE geom_3857 @ ST_TileEnvelope(:z, :x, :y, "
    "margin => 64.0 / 4096) AND clearance > 1.5 * 40075016.68557849 / 2 ^ :z / 4096"
)


def test_a_footprint_snapping_would_break_goes_through_repair(client, engine) -> None:
    # A 40-pixel square at zoom 14 with a slit 0.1 pixel wide: snapped as it is, the
    # slit's sides meet and the ring touches itself. Its clearance sends it through
    # ST_AsMVTGeom's repair instead.
    z, x, y = tile_of(121.4, 28.6, 14)
    left, _, right, top = TMS.xy_bounds(morecantile.Tile(x, y, z))
    r = (right - left) / 4096
    ring = [(0.3, 0.3), (20.3, 0.3), (20.3, 35.3), (20.4, 35.3), (20.4, 0.3), (40.3, 0.3),
            (40.3, 40.3), (0.3, 40.3), (0.3, 0.3)]  # fmt: skip
    wkt = "POLYGON((" + ", ".join(
        f"{left + (1000 + px) * r!r} {top - (1000 + py) * r!r}" for px, py in ring
    ) + "))"  # fmt: skip
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO building (code, geom) "
                 "VALUES ('SLIT-TEST', ST_Transform(ST_GeomFromText(:wkt, 3857), 4326))"),
            {"wkt": wkt},
        )  # fmt: skip
    try:
        snapped_valid, clearance_px = first(
            engine,
            "SELECT ST_IsValid(ST_SnapToGrid(ST_Affine(geom_3857, 1 / :r, 0, 0, -1 / :r, "
            "-:left / :r, :top / :r), 1)), clearance / :r FROM building WHERE code = 'SLIT-TEST'",
            {"r": r, "left": left, "top": top},
        )
        assert not snapped_valid and clearance_px < 1.5
        served = get_tile(client, "buildings", z, x, y)
        assert "SLIT-TEST" in {f["properties"]["code"] for f in served["features"]}
        assert_same_buildings(served, reference_tile(engine, z, x, y))
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM building WHERE code = 'SLIT-TEST'"))


@pytest.mark.parametrize(("layer", "table"), [("incidents", "incident"), ("cameras", "camera")])
def test_a_tile_too_dense_for_points_is_counted_per_cell(engine, layer: str, table: str) -> None:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT ST_X(geom), ST_Y(geom) FROM {table}")).all()
    (z, x, y), n = Counter(tile_of(lon, lat, 16) for lon, lat in rows).most_common(1)[0]
    assert n >= 4
    q = tile_query(layer, z, x, y)
    in_tile = first(
        engine,
        f"SELECT count(*) FROM {table} WHERE morton >= wangge_morton24(:x, :y) << 16 "
        "AND morton < (wangge_morton24(:x, :y) + 1) << 16",
        {"x": x, "y": y},
    )[0]

    def render(dense_above: int) -> list[dict]:
        with engine.connect() as conn:
            data = conn.execute(
                text(tile_sql(q.layer, q.clustered)), q.params() | {"dense_above": dense_above}
            ).scalar()
        return mapbox_vector_tile.decode(bytes(data or b""))[layer]["features"]

    points = render(dense_above=in_tile)  # exactly at the limit: still points
    assert all("code" in f["properties"] for f in points) and len(points) >= in_tile
    cells = render(dense_above=in_tile - 1)  # one more than the limit: counted
    assert all("count" in f["properties"] and "code" not in f["properties"] for f in cells)
    assert sum(f["properties"]["count"] for f in cells) == in_tile
    assert 1 <= len(cells) <= len(points)


def test_low_zoom_cameras_are_counted_not_dropped(client, engine) -> None:
    total, online = first(
        engine, "SELECT count(*), count(*) FILTER (WHERE status = 'online') FROM camera"
    )
    west, south, east, north = first(
        engine, "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
        "FROM (SELECT ST_Extent(geom) AS e FROM camera) s"
    )  # fmt: skip
    features = []
    for t in TMS.tiles(west, south, east, north, [10]):
        features += get_tile(client, "cameras", t.z, t.x, t.y)["features"]
    assert features and all("code" not in f["properties"] for f in features)
    assert sum(f["properties"]["count"] for f in features) == total
    assert sum(f["properties"]["online"] for f in features) == online

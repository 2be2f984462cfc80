"""What a user scoped to one community, or a grid worker scoped to one grid, can read of
other areas through the tiles and the area statistics: nothing beyond their scope.

Probed as a stranger would: over HTTP, tiles and areas of a neighbouring community,
of the parent street and of the district, against what the owner knows is there. The
incidents tile is tried on each of its paths (points, per-cell counts at low zooms, and
counts for a tile too dense for points); the statistics come from a materialised view
that row-level security does not cover (migration 0025 scopes it).
"""

from __future__ import annotations

import mapbox_vector_tile
import morecantile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from tests.common import bearer
from tests.incident_town import (
    DISTRICT,
    EAST,
    FAR,
    HOME,
    IN_FAR,
    IN_HOME,
    IN_NEIGHBOUR,
    NEIGHBOUR,
    WEST,
    add_worker,
    build_town,
    grid_of,
)

TMS = morecantile.tms.get("WebMercatorQuad")
DENSE = 5001  # one more than the incidents layer's dense_above
COUNTS = ("buildings", "households", "floating_households", "persons", "floating_persons",
          "open_incidents", "grid_workers")  # fmt: skip


def _insert(conn, prefix: str, community: str, grid: str | None, points: str, n: int) -> None:
    """``n`` open incidents of ``community`` (in ``grid``) at ``points`` (SQL of ``k``)."""
    conn.execute(
        text(
            f"""
            INSERT INTO incident (code, category, source, reported_at, community_id,
                                  grid_id, geom)
            SELECT :prefix || k, 'sanitation', 'grid_worker', now(), a.id,
                   (SELECT id FROM grid WHERE code = :grid), {points}
            FROM generate_series(1, :n) AS k, area a WHERE a.code = :community
            """
        ),
        {"prefix": prefix, "community": community, "grid": grid, "n": n},
    )


def _point(lon: float, lat: float) -> str:
    return f"ST_SetSRID(ST_MakePoint({lon} + k * 1e-5, {lat}), 4326)"


@pytest.fixture(scope="module")
def town(make_database):
    """The incident town with incidents in three communities (a dense tile of them in
    the neighbour's), households and a worker in the neighbour's, and a draft plan of
    the west street."""
    from gis.partition import Rules
    from gis.partition.store import create_plan

    engine, settings = build_town(make_database, "wangge_scope_leaks")
    home_grid, neighbour_grid = grid_of(engine, HOME), grid_of(engine, NEIGHBOUR)
    add_worker(engine, "W-N", neighbour_grid)
    dense = TMS.tile(*IN_NEIGHBOUR, 17)
    w, s, e, n = TMS.bounds(dense)
    dx, dy = (e - w) / 80, (n - s) / 80
    with engine.begin() as conn:
        _insert(conn, "H", HOME, home_grid, _point(*IN_HOME), 3)
        _insert(conn, "HX", HOME, None, _point(*IN_HOME), 1)  # in HOME, in no grid
        _insert(conn, "F", FAR, grid_of(engine, FAR), _point(*IN_FAR), 3)
        spread = (f"ST_SetSRID(ST_MakePoint({w} + (0.5 + k % 79) * {dx}, "
                  f"{s} + (0.5 + k / 79) * {dy}), 4326)")  # fmt: skip
        _insert(conn, "N", NEIGHBOUR, neighbour_grid, spread, DENSE)
        conn.execute(  # households in the neighbour's buildings (none in HOME's)
            text(
                "INSERT INTO household (code, building_id, kind) "
                "SELECT b.code || '-' || k, b.id, 'floating' FROM building b "
                "JOIN area a ON a.id = b.community_id, generate_series(1, 7) AS k "
                "WHERE a.code = :c"
            ),
            {"c": NEIGHBOUR},
        )
        conn.execute(text("REFRESH MATERIALIZED VIEW community_stats"))
    draft = create_plan(engine, WEST, name="west draft", rules=Rules(1, 100_000))
    with TestClient(create_app(settings)) as client:
        yield {"engine": engine, "client": client, "home_grid": home_grid,
               "neighbour_grid": neighbour_grid, "draft": draft}  # fmt: skip
    engine.dispose()


# Who probes, and which incidents are theirs to see (an SQL condition on `i`).
READERS = {
    "community": ("admin", lambda t: HOME, "i.community_id = (SELECT id FROM area WHERE code = "
                  f"'{HOME}')"),
    "grid worker": ("grid_worker", lambda t: t["home_grid"],
                    "i.grid_id = (SELECT g.id FROM grid g WHERE g.code = '{grid}')"),
}  # fmt: skip


@pytest.fixture(scope="module", params=list(READERS))
def reader(request, town) -> dict:
    role, scope, visible = READERS[request.param]
    headers = bearer(town["engine"], role, scope(town))
    return {"headers": headers, "visible": visible.format(grid=town["home_grid"]),
            "scope": scope(town)}  # fmt: skip


def _tile(town, headers, layer: str, tile, **params) -> list[dict]:
    response = town["client"].get(
        f"/tiles/{layer}/{tile.z}/{tile.x}/{tile.y}.mvt", headers=headers, params=params
    )
    assert response.status_code == 200, response.text
    return mapbox_vector_tile.decode(response.content).get(layer, {"features": []})["features"]


def _truth(town, tile, where: str = "true") -> tuple[set[str], int]:
    """The codes and count of the incidents in ``tile`` meeting ``where``, as the owner."""
    w, s, e, n = TMS.bounds(tile)
    with town["engine"].connect() as conn:
        codes = conn.execute(
            text(
                f"SELECT i.code FROM incident i WHERE {where} "
                "AND ST_Intersects(i.geom, ST_MakeEnvelope(:w, :s, :e, :n, 4326))"
            ),
            {"w": w, "s": s, "e": e, "n": n},
        ).scalars()
        codes = set(codes)
    return codes, len(codes)


def _seen(features: list[dict]) -> tuple[set[str], int]:
    codes = {f["properties"]["code"] for f in features if "code" in f["properties"]}
    counted = sum(f["properties"].get("count", 0) for f in features)
    return codes, len(codes) + counted


# Each path of the incidents layer over another community: points at z16 over FAR,
# per-cell counts at z10 and z13 over the whole town, and a z16 tile of the neighbour
# holding more than dense_above incidents.
PATHS = {
    "points": (IN_FAR, 16, "code"),
    "clustered z13": (IN_NEIGHBOUR, 13, "count"),
    "clustered z10": (IN_NEIGHBOUR, 10, "count"),
    "dense": (IN_NEIGHBOUR, 16, "count"),
}


@pytest.mark.parametrize("path", list(PATHS))
def test_an_incident_tile_holds_only_the_readers_incidents(town, reader, path) -> None:
    (lon, lat), z, prop = PATHS[path]
    tile = TMS.tile(lon, lat, z)
    everyone = _tile(town, bearer(town["engine"], "admin"), "incidents", tile)
    assert everyone and all(prop in f["properties"] for f in everyone)  # the path is taken
    assert _seen(everyone)[1] == _truth(town, tile)[1] > 0
    codes, count = _seen(_tile(town, reader["headers"], "incidents", tile))
    mine, allowed = _truth(town, tile, reader["visible"])
    assert codes <= mine and count <= allowed, (path, codes - mine, count, allowed)


def test_a_reader_still_sees_their_own_incidents(town, reader) -> None:
    """Not vacuous: the same reader's own tile is not empty."""
    tile = TMS.tile(*IN_HOME, 16)
    codes, _ = _seen(_tile(town, reader["headers"], "incidents", tile))
    assert codes and codes == _truth(town, tile, reader["visible"])[0]


def _area(town, headers, code: str) -> dict:
    response = town["client"].get(f"/api/v1/areas/{code}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _limits(town, reader) -> dict[str, int]:
    """The most each count may be for the reader: what their own tables show them."""
    where = reader["visible"]
    bwhere = where.replace("i.grid_id", "bg.grid_id").replace("i.community_id", "b.community_id")
    wwhere = where.replace("i.", "w.")
    sql = f"""
        SELECT (SELECT count(DISTINCT b.id) FROM building b
                LEFT JOIN building_grid bg ON bg.building_id = b.id
                WHERE {bwhere}) AS buildings,
               (SELECT count(*) FROM incident i WHERE {where}
                AND i.status IN ('reported', 'accepted', 'dispatched', 'in_progress'))
                   AS open_incidents,
               (SELECT count(*) FROM worker w WHERE {wwhere}) AS grid_workers
    """
    with town["engine"].connect() as conn:
        row = conn.execute(text(sql)).mappings().one()
    return {"households": 0, "floating_households": 0, "persons": 0, "floating_persons": 0,
            **row}  # fmt: skip


@pytest.mark.parametrize("code", [NEIGHBOUR, FAR, EAST, WEST, DISTRICT])
def test_area_statistics_count_nothing_outside_the_scope(town, reader, code) -> None:
    everyone = _area(town, bearer(town["engine"], "admin"), code)
    assert everyone["stats"]["buildings"] > 0  # there is something to leak
    body = _area(town, reader["headers"], code)
    limits = _limits(town, reader)
    # An area around the scope counts at most the scope's rows; any other area, none.
    areas = [(code, body["stats"]), *((c["code"], c["stats"]) for c in body["children"])]
    for area, stats in areas:
        most = limits if area in (HOME, EAST, DISTRICT) else dict.fromkeys(COUNTS, 0)
        over = {k: stats[k] for k in COUNTS if (stats[k] or 0) > most[k]}
        assert not over, (area, over, most)
    if code in (EAST, DISTRICT):  # the scope's own counts are still summed in
        assert body["stats"]["open_incidents"] == limits["open_incidents"] > 0


def test_the_grids_of_another_community_show_no_households_or_buildings(town, reader) -> None:
    body = _area(town, reader["headers"], NEIGHBOUR)
    everyone = _area(town, bearer(town["engine"], "admin"), NEIGHBOUR)
    assert everyone["grids"] and everyone["grids"][0]["buildings"] > 0
    assert body["grids"], "grids are map data: listed, without their counts"
    for grid in body["grids"]:
        assert grid["households"] is None and grid["buildings"] == 0, grid
    grid = town["neighbour_grid"]
    detail = town["client"].get(f"/api/v1/grids/{grid}", headers=reader["headers"])
    assert detail.status_code == 200, detail.text  # a published grid is map data
    stats = detail.json()["stats"]
    assert not {k: v for k, v in stats.items() if k != "cameras" and v}, stats


def test_the_grids_tile_withholds_other_communities_households(town, reader) -> None:
    tile = TMS.tile(*IN_NEIGHBOUR, 12)
    everyone = _tile(town, bearer(town["engine"], "admin"), "grids", tile)
    assert everyone and all("households" in f["properties"] for f in everyone)
    for feature in _tile(town, reader["headers"], "grids", tile):
        props = feature["properties"]
        if props["code"] != reader["scope"] and props["community_code"] != reader["scope"]:
            assert "households" not in props, props


def test_a_draft_plan_of_another_street_is_not_in_the_grids_tile(town, reader) -> None:
    tile = TMS.tile(*IN_FAR, 12)
    plan = {"plan": town["draft"]}
    assert _tile(town, bearer(town["engine"], "admin"), "grids", tile, **plan)
    assert _tile(town, reader["headers"], "grids", tile, **plan) == []


def test_the_api_role_cannot_read_the_unscoped_statistics(town) -> None:
    """The view is the only way in: a query of community_stats itself is refused."""
    from sqlalchemy.exc import ProgrammingError

    app = town["client"].app
    with app.state.engine.connect() as conn, pytest.raises(ProgrammingError, match="permission"):
        conn.execute(text("SELECT sum(buildings) FROM community_stats"))


def test_a_change_in_another_community_leaves_the_readers_etag_alone(town, reader) -> None:
    """An ETag that moved with another community's incidents would tell when they change."""
    tile = TMS.tile(*IN_FAR, 16)
    url = f"/tiles/incidents/{tile.z}/{tile.x}/{tile.y}.mvt"
    before = town["client"].get(url, headers=reader["headers"])
    with town["engine"].begin() as conn:
        conn.execute(text("UPDATE incident SET status = 'accepted' WHERE code LIKE 'F_'"))
    after = town["client"].get(url, headers=reader["headers"])
    assert after.content == before.content == b""
    assert after.headers["etag"] == before.headers["etag"]
    again = town["client"].get(
        url, headers={**reader["headers"], "If-None-Match": after.headers["etag"]}
    )
    assert again.status_code == 304


def test_a_change_in_the_readers_scope_still_moves_their_etag(town, reader) -> None:
    tile = TMS.tile(*IN_HOME, 16)
    url = f"/tiles/incidents/{tile.z}/{tile.x}/{tile.y}.mvt"
    before = town["client"].get(url, headers=reader["headers"]).headers["etag"]
    with town["engine"].begin() as conn:
        conn.execute(
            text("UPDATE incident SET urgency = :u WHERE code = 'H1'"),
            {"u": "high" if reader["scope"] == HOME else "critical"},
        )
    response = town["client"].get(url, headers={**reader["headers"], "If-None-Match": before})
    assert response.status_code == 200 and response.headers["etag"] != before

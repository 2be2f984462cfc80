"""Grid workers in the core: batches of positions (idempotent, refused whole), the road
graph against hand-built networks, the nearest workers by road and by straight line,
dispatching one, patrol minutes on a hand-built track, and roads as a load kind."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import geopandas as gpd
import numpy as np
import pytest
import shapely
from numpy.testing import assert_allclose
from shapely.geometry import LineString, Point
from sqlalchemy import text

from gis.errors import Forbidden, InvalidInput, NotFound
from gis.incidents import report_incident, transition
from gis.load import load_frame
from gis.workers import (
    Position,
    RoadGraph,
    grid_patrol,
    list_workers,
    nearest_workers,
    record_positions,
    worker_patrol,
    worker_track,
)
from gis.workers.live import LOCAL_TIME
from tests.incident_town import FAR, HOME, NEIGHBOUR, grid_of
from tests.worker_town import INCIDENT, SPOTS, build_worker_town, place

# --- the road graph, by hand --------------------------------------------------------------


def test_a_road_graph_routes_round_a_u() -> None:
    """Straight-line order and road order differ: the upper point is nearer as the crow
    flies, the lower one along the road."""
    u = [LineString([(0, 0), (1000, 0)]), LineString([(1000, 0), (1000, 200)]),
         LineString([(1000, 200), (0, 200)])]  # fmt: skip
    graph = RoadGraph.from_lines(u)
    assert graph.nodes == 4 and len(graph) == 3
    assert_allclose(graph.distances((0, 0), [(0, 200), (500, 0)]), [2200, 500])


def test_crossing_lines_are_joined_where_they_cross_and_strays_are_not() -> None:
    plus = [LineString([(-100, 0), (100, 0)]), LineString([(0, -100), (0, 100)])]
    stray = [LineString([(5000, 0), (5100, 0)])]
    graph = RoadGraph.from_lines(plus + stray)
    # From the west arm to the north arm: through the crossing, not round anything.
    assert_allclose(graph.distances((-100, 0), [(0, 100)]), [200])
    # Off the network by 30 m at both ends: the walks to the road count.
    assert_allclose(graph.distances((-50, 30), [(50, -30)]), [30 + 100 + 30])
    # On the same piece: straight along it, not via its ends.
    assert_allclose(graph.distances((-90, 0), [(-60, 0)]), [30])
    # The stray road joins nothing; a point 1 km from any road is off the network.
    assert np.isinf(graph.distances((0, 0), [(5050, 0), (0, 1000)])).all()


def test_two_pieces_between_the_same_ends_take_the_shorter() -> None:
    straight = LineString([(0, 0), (100, 0)])
    detour = LineString([(0, 0), (50, 80), (100, 0)])
    graph = RoadGraph.from_lines([detour, straight, LineString([(100, 0), (200, 0)])])
    assert_allclose(graph.distances((0, 0), [(200, 0)]), [200])


def test_whoever_reads_incidents_may_read_workers() -> None:
    """The stream sends worker.position to every reader of incidents in scope: none of
    them may lack workers:read."""
    from gis.accounts.roles import ROLES_WITH

    assert ROLES_WITH["incidents:read"] <= ROLES_WITH["workers:read"]


# --- through the database ---------------------------------------------------------------


@pytest.fixture(scope="module")
def town(make_database):
    engine, _ = build_worker_town(make_database, "wangge_workers_core")
    yield engine
    engine.dispose()


def _conn(engine):
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def _post(engine, code: str, positions, role: str = "operator", account_id: int | None = None):
    with _conn(engine) as conn:
        return record_positions(conn, code, positions, account_id=account_id, role=role)


def _events(engine, code: str) -> int:
    return _count(
        engine, "SELECT count(*) FROM event_outbox WHERE kind = 'worker.position' "
        "AND subject = :c", c=code,
    )  # fmt: skip


def test_a_batch_is_stored_once_per_worker_and_time(town) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    first = [Position(now - timedelta(minutes=m), 121.3101, 28.5531, 8.0) for m in (3, 2, 1)]
    answer = _post(town, "WALKER", first)
    assert (answer["received"], answer["new"]) == (3, 3)
    assert answer["worker"]["status"] == "available"
    assert answer["worker"]["last_seen_at"] == now - timedelta(minutes=1)
    again = _post(town, "WALKER", list(reversed(first)))
    assert (again["received"], again["new"]) == (3, 0)
    newest = Position(now, 121.3111, 28.5532)
    more = _post(town, "WALKER", [*first, newest])
    assert more["new"] == 1
    assert (more["worker"]["lon"], more["worker"]["lat"]) == (121.3111, 28.5532)
    assert more["worker"]["last_seen_at"] == now
    # An older batch arriving late does not move the live position back.
    late = _post(town, "WALKER", [Position(now - timedelta(hours=2), 121.30, 28.552)])
    assert late["new"] == 1 and late["worker"]["last_seen_at"] == now
    stored = _count(town, "SELECT count(*) FROM worker_position p JOIN worker w "
                    "ON w.id = p.worker_id WHERE w.code = 'WALKER'")  # fmt: skip
    assert stored == 5
    # One event per batch that added something; the resent batch added nothing.
    assert _events(town, "WALKER") == 3
    grid = _count(town, "SELECT count(DISTINCT p.grid_id) FROM worker_position p JOIN worker w "
                  "ON w.id = p.worker_id WHERE w.code = 'WALKER'")  # fmt: skip
    assert grid == 1  # each position in HOME's grid, derived on the way in


def test_a_bad_batch_is_refused_whole_naming_index_and_field(town) -> None:
    now = datetime.now(UTC)
    good = Position(now - timedelta(minutes=5), 121.31, 28.553)
    batch = [
        good,
        Position(now + timedelta(hours=1), 121.31, 28.553),  # the future
        Position(now - timedelta(days=30), 121.31, 28.553),  # too old
        Position(now - timedelta(minutes=4), 121.31, 95.0, -1.0),  # lat, accuracy
        Position(now.replace(tzinfo=None), 121.31, 28.553),  # no offset
        Position(good.at, 121.32, 28.553),  # the same time twice
    ]
    before = _count(town, "SELECT count(*) FROM worker_position")
    with pytest.raises(InvalidInput) as refused:
        _post(town, "LOWER", batch)
    fields = [p["field"] for p in refused.value.problems]
    assert fields == ["positions.1.at", "positions.2.at", "positions.3.lat",
                      "positions.3.accuracy_m", "positions.4.at", "positions.5.at"]  # fmt: skip
    assert "none was stored" in str(refused.value)
    assert _count(town, "SELECT count(*) FROM worker_position") == before
    assert _events(town, "LOWER") == 0
    with pytest.raises(InvalidInput, match="at most 1000"):
        _post(town, "LOWER", [good] * 1001)
    with pytest.raises(InvalidInput, match="at least one"):
        _post(town, "LOWER", [])


def test_a_grid_worker_posts_for_their_own_worker_only(town) -> None:
    now = datetime.now(UTC)
    with _conn(town) as conn:
        account = conn.execute(
            text("INSERT INTO user_account (name, role, password_hash) "
                 "VALUES ('walker', 'grid_worker', 'x') RETURNING id")
        ).scalar_one()  # fmt: skip
        conn.execute(text("UPDATE worker SET account_id = :a WHERE code = 'WALKER'"),
                     {"a": account})  # fmt: skip
    mine = [Position(now - timedelta(seconds=30), 121.31, 28.553)]
    assert _post(town, "WALKER", mine, role="grid_worker", account_id=account)["new"] == 1
    with pytest.raises(Forbidden, match="own worker"):
        _post(town, "LOWER", mine, role="grid_worker", account_id=account)
    with pytest.raises(NotFound):
        _post(town, "NOBODY", mine)


def test_the_nearest_by_road_differ_from_the_nearest_by_straight_line(town) -> None:
    for code, spot in SPOTS.items():
        place(town, code, spot)
    place(town, "WALKER", (121.3101, 28.5531), minutes_ago=60)  # offline: not offered
    with _conn(town) as conn:
        incident, _ = report_incident(
            conn, category="sanitation", lon=INCIDENT[0], lat=INCIDENT[1],
            description="路边垃圾堆积", source="hotline", reported_by="tester",
        )  # fmt: skip
        near = nearest_workers(conn, incident["code"], limit=3)
    by = {w["code"]: w for w in near["workers"]}
    assert [w["code"] for w in near["workers"]] == ["LOWER", "UPPER", "FARAWAY"]
    assert by["UPPER"]["straight_m"] < by["LOWER"]["straight_m"]  # straight: UPPER first
    assert (by["LOWER"]["method"], by["UPPER"]["method"]) == ("road", "road")
    assert_allclose(by["LOWER"]["distance_m"], by["LOWER"]["straight_m"], rtol=1e-3)
    # Round the U: 2 × the lower road's length to the east end (1.17 km) + 445 m up.
    assert 2300 < by["UPPER"]["distance_m"] < 2500
    assert by["FARAWAY"]["method"] == "straight"  # 1 km from any road
    assert by["FARAWAY"]["distance_m"] == by["FARAWAY"]["straight_m"]
    assert "WALKER" not in by
    with _conn(town) as conn:
        everyone = nearest_workers(conn, incident["code"], limit=5, include_offline=True)
    assert {w["code"] for w in everyone["workers"]} == {"LOWER", "UPPER", "FARAWAY", "WALKER"}

    # Dispatch the nearest: the workflow's own action, with the worker as assignee.
    with _conn(town) as conn:
        transition(conn, incident["code"], "accepted", actor="op", role="operator")
        event = transition(conn, incident["code"], "dispatched", actor="op", role="operator",
                           assignee="LOWER")  # fmt: skip
        busy = list_workers(conn, code="LOWER")[0]
        after = nearest_workers(conn, incident["code"], limit=3)
    assert (event["action"], event["assignee"], event["to_status"]) == (
        "dispatched", "LOWER", "dispatched")  # fmt: skip
    assert (busy["status"], busy["open_cases"]) == ("busy", 1)
    # Still offered, marked busy: the operator weighs a second case against the way.
    assert [(w["code"], w["status"]) for w in after["workers"]] == [
        ("LOWER", "busy"), ("UPPER", "available"), ("FARAWAY", "available")]  # fmt: skip


def test_without_roads_every_distance_is_straight(town) -> None:
    with _conn(town) as conn:
        far, _ = report_incident(
            conn, category="sanitation", lon=121.338, lat=28.568,
            description="远处的垃圾", source="hotline", reported_by="tester",
        )  # fmt: skip
        near = nearest_workers(conn, far["code"], limit=20)
    assert near["workers"] and {w["method"] for w in near["workers"]} == {"straight"}
    distances = [w["distance_m"] for w in near["workers"]]
    assert distances == sorted(distances)


def _at(day: date, minute: float) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TIME) + timedelta(minutes=minute)


def test_patrol_minutes_on_a_hand_built_track(town) -> None:
    """Four minutes in HOME's grid (09:00 to 09:04), then one in NEIGHBOUR's, a half-hour
    silence (not counted), and one more minute there; the day's track as GeoJSON."""
    day = datetime.now(LOCAL_TIME).date() - timedelta(days=1)
    home, neighbour = (121.3150, 28.5580), (121.3150, 28.5650)
    track = [(0, home), (1, home), (2, home), (3, home), (4, neighbour), (5, neighbour),
             (35, neighbour), (36, neighbour)]  # fmt: skip
    batch = [Position(_at(day, m), x, y) for m, (x, y) in track]
    _post(town, "UPPER", batch)
    with _conn(town) as conn:
        patrol = {w["code"]: w for w in worker_patrol(conn, day)}
        geojson = worker_track(conn, "UPPER", day)
        weekly = grid_patrol(conn, day, days=7)
        with pytest.raises(NotFound):
            worker_patrol(conn, day, area="331004009000")
        east = {w["code"] for w in worker_patrol(conn, day, area="331004002000")}
    upper = patrol["UPPER"]
    minutes = {g["grid"]: g["minutes"] for g in upper["grids"]}
    assert minutes == {grid_of(town, HOME): 4.0, grid_of(town, NEIGHBOUR): 2.0}
    assert (upper["minutes"], upper["positions"]) == (6.0, 8)
    assert "UPPER" not in east  # a worker of the east street, asked for the west
    kinds = [f["properties"]["kind"] for f in geojson["features"]]
    assert kinds == ["track"] + ["position"] * 8
    assert geojson["features"][0]["geometry"]["coordinates"][0] == list(home)
    by_grid = {g["code"]: g for g in weekly}
    assert by_grid[grid_of(town, HOME)]["visited"] and by_grid[grid_of(town, HOME)]["workers"] >= 1
    assert not by_grid[grid_of(town, FAR)]["visited"]
    assert by_grid[grid_of(town, FAR)]["last_visit_at"] is None
    # The unvisited stand out: they come first.
    visited = [g["visited"] for g in weekly]
    assert visited == sorted(visited)


# --- roads as a load kind -----------------------------------------------------------------


def test_roads_load_as_multilines_and_bad_rows_are_named(town) -> None:
    good = gpd.GeoDataFrame(
        {"code": ["T1", "T2"], "name": ["一路", None], "kind": ["arterial", None]},
        geometry=[LineString([(121.301, 28.551), (121.31, 28.551)]),
                  shapely.MultiLineString([[(121.301, 28.552), (121.31, 28.552)]])],
        crs="EPSG:4326",
    )  # fmt: skip
    assert load_frame(town, "roads", good).rows == 2
    assert load_frame(town, "roads", good).rows == 2  # again: upserted by code
    with town.connect() as conn:
        sql = "SELECT code, kind, GeometryType(geom) FROM road WHERE code LIKE 'T%' ORDER BY code"
        rows = conn.execute(text(sql))
        assert [tuple(r) for r in rows] == [("T1", "arterial", "MULTILINESTRING"),
                                            ("T2", "road", "MULTILINESTRING")]  # fmt: skip
    bad = gpd.GeoDataFrame(
        {"code": ["T3", "T4"], "kind": ["local", "local"]},
        geometry=[Point(121.31, 28.55), LineString([(100.0, 10.0), (100.1, 10.0)])],
        crs="EPSG:4326",
    )
    with pytest.raises(InvalidInput) as refused:
        load_frame(town, "roads", bad)
    assert "row 1, field 'geometry': a Point where LineString or MultiLineString" in str(
        refused.value
    )
    outside = r"row 1, field .geometry.: the road starting at \(100\.0+, 10\.0+\) lies outside"
    with pytest.raises(InvalidInput, match=outside):
        load_frame(town, "roads", bad.iloc[[1]].reset_index(drop=True))


# --- the sample's workers, patrol and incident histories ---------------------------------


def test_a_patrol_walks_its_roads_and_the_same_seed_walks_it_again() -> None:
    from gis.synth.workers import patrol_track

    roads = [LineString([(0, 0), (300, 0)]), LineString([(300, 0), (300, 300)])]
    start = datetime(2026, 11, 30, 8, 30, tzinfo=LOCAL_TIME)
    one = patrol_track(roads, start, start + timedelta(hours=5), np.random.default_rng(4))
    two = patrol_track(roads, start, start + timedelta(hours=5), np.random.default_rng(4))
    assert np.array_equal(one.x, two.x) and np.array_equal(one.at, two.at)
    # Lunch (12:00-13:00 local) is silent; the rest is about a minute apart.
    local_hours = (one.at.astype("datetime64[h]").astype(int) + 8) % 24
    assert not np.any(local_hours == 12) and 230 < len(one.at) < 245
    on_road = shapely.distance(shapely.MultiLineString(roads), shapely.points(one.x, one.y))
    assert np.quantile(on_road, 0.99) < 25  # the road, give or take the GPS's metres
    assert one.x.max() > 290 and one.y.max() > 100  # it turns the corner


def test_the_sample_gives_empty_grids_workers_and_incidents_a_history(town) -> None:
    from gis.incidents.workflow import Case, apply
    from gis.workers.sample import seed_sample_workers

    now = (datetime.now(LOCAL_TIME) - timedelta(days=1)).replace(hour=15, minute=0)
    loaded = gpd.GeoDataFrame(
        {"code": ["HIST1"], "category": ["sanitation"], "source": ["hotline"],
         "reported_at": [(now - timedelta(days=3)).isoformat()], "status": ["closed"]},
        geometry=[Point(121.3150, 28.5650)], crs="EPSG:4326",
    )  # fmt: skip
    load_frame(town, "incidents", loaded)
    counts = seed_sample_workers(town, seed=1, now=now, say=lambda _: None)
    # NEIGHBOUR's grid and the west street's other one: one worker each, and a second in
    # the one with more households (the top fifth of the grids seeded).
    assert counts["workers"] == 3
    assert counts["positions"] > 300 and counts["incident_events"] >= 7
    assert seed_sample_workers(town, seed=1, now=now, say=lambda _: None) == {}  # once
    with town.connect() as conn:
        worker = conn.execute(text(
            "SELECT w.code FROM worker w JOIN grid g ON g.id = w.grid_id WHERE g.code = :g "
            "ORDER BY w.code LIMIT 1"),
            {"g": grid_of(town, NEIGHBOUR)}).scalar_one()  # fmt: skip
        astray = conn.execute(text(
            "SELECT count(*) FROM worker_position p JOIN worker w ON w.id = p.worker_id "
            "JOIN grid g ON g.id = w.grid_id WHERE w.code LIKE 'W%-%' "
            "AND (p.grid_id <> g.id OR NOT ST_DWithin(g.geom::geography, p.geom::geography, 30))"
        )).scalar_one()  # fmt: skip
        timeline = conn.execute(text(
            "SELECT e.action, e.from_status::text, e.to_status::text, e.at, e.assignee "
            "FROM incident_event e JOIN incident i ON i.id = e.incident_id "
            "WHERE i.code = 'HIST1' ORDER BY e.at, e.id")).all()  # fmt: skip
        assignee = conn.execute(text("SELECT assignee FROM incident WHERE code = 'HIST1'")).scalar()
    assert astray == 0  # each walks their own grid
    actions = [e.action for e in timeline]
    assert actions == ["reported", "accepted", "dispatched", "in_progress", "resolved",
                       "verified", "closed"]  # fmt: skip
    times = [e.at for e in timeline]
    assert times == sorted(times) and times[-1] < now
    case = Case("reported")
    for e in timeline[1:]:  # each step one the workflow allows from the state before
        case = apply(case, e.action, "operator",
                     assignee=e.assignee if e.action == "dispatched" else None)  # fmt: skip
        assert (e.from_status, case.status) == (timeline[actions.index(e.action) - 1].to_status,
                                                e.to_status)  # fmt: skip
    assert timeline[2].assignee == worker == assignee

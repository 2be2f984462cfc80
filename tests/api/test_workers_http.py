"""Grid workers over HTTP: positions (idempotent, refused whole with index and field, a
grid worker for their own worker only), scope, lists, tracks, patrol, the nearest workers
and dispatching one, and the stream's ``worker.position`` events by scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from gis.accounts import create_user, issue_token
from gis.workers.live import LOCAL_TIME
from tests.common import bearer
from tests.incident_town import EAST, HOME, WEST, grid_of
from tests.worker_town import INCIDENT, SPOTS, build_worker_town, link_account, place

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def town(make_database):
    engine, settings = build_worker_town(make_database, "wangge_workers_api")
    with TestClient(create_app(settings)) as client:
        yield engine, client
    engine.dispose()


@pytest.fixture(scope="module")
def walker(town) -> dict[str, str]:
    """The grid worker of HOME's grid whose account is worker WALKER's."""
    engine, _ = town
    with engine.begin() as conn:
        create_user(conn, "walker", "grid_worker", scope=grid_of(engine, HOME))
        token = issue_token(conn, "walker", days=1)
    link_account(engine, "WALKER", "walker")
    return {"Authorization": f"Bearer {token}"}


def _batch(*minutes_ago: float, lon: float = 121.3101, lat: float = 28.5531) -> dict:
    now = datetime.now(UTC)
    return {"positions": [
        {"at": (now - timedelta(minutes=m)).isoformat(), "lon": lon, "lat": lat, "accuracy_m": 5}
        for m in minutes_ago
    ]}  # fmt: skip


def _stored(engine, code: str) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT count(*) FROM worker_position p JOIN worker w ON w.id = p.worker_id "
                 "WHERE w.code = :c"), {"c": code},
        ).scalar_one()  # fmt: skip


def test_a_grid_worker_posts_their_own_positions_once(town, walker) -> None:
    engine, client = town
    batch = _batch(3, 2, 1)
    first = client.post("/api/v1/workers/WALKER/positions", json=batch, headers=walker)
    assert first.status_code == 200, first.text
    assert (first.json()["received"], first.json()["new"]) == (3, 3)
    assert first.json()["worker"]["status"] == "available"
    again = client.post("/api/v1/workers/WALKER/positions", json=batch, headers=walker)
    assert again.json()["new"] == 0 and _stored(engine, "WALKER") == 3
    # Another worker of the same grid: seen, not theirs to post for.
    theirs = client.post("/api/v1/workers/LOWER/positions", json=batch, headers=walker)
    assert theirs.status_code == 403 and theirs.headers["content-type"] == PROBLEM
    assert "own worker" in theirs.json()["detail"]
    # A worker of the other street: not even there.
    far = client.post("/api/v1/workers/FARAWAY/positions", json=batch, headers=walker)
    assert far.status_code == 404 and far.headers["content-type"] == PROBLEM
    assert _stored(engine, "LOWER") == 0 and _stored(engine, "FARAWAY") == 0


def test_an_operator_posts_for_the_workers_of_their_scope_only(town) -> None:
    engine, client = town
    west = bearer(engine, "operator", WEST)
    refused = client.post("/api/v1/workers/LOWER/positions", json=_batch(1), headers=west)
    assert refused.status_code == 404, refused.text
    ok = client.post("/api/v1/workers/FARAWAY/positions", json=_batch(1, lon=121.335, lat=28.565),
                     headers=west)  # fmt: skip
    assert ok.status_code == 200 and ok.json()["new"] == 1


def test_a_bad_batch_names_its_index_and_field_and_writes_nothing(town) -> None:
    engine, client = town
    admin = bearer(engine, "admin")
    batch = _batch(4, 3, 2)
    batch["positions"][1]["at"] = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    batch["positions"][2]["lat"] = 91
    refused = client.post("/api/v1/workers/UPPER/positions", json=batch, headers=admin)
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["body.positions.2.lat"]  # the body's own bounds come first
    batch["positions"][2]["lat"] = 28.5531
    refused = client.post("/api/v1/workers/UPPER/positions", json=batch, headers=admin)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["positions.1.at"]
    assert "in the future" in refused.json()["detail"]
    naive = _batch(1)
    naive["positions"][0]["at"] = "2026-11-30T08:00:00"
    refused = client.post("/api/v1/workers/UPPER/positions", json=naive, headers=admin)
    assert [e["field"] for e in refused.json()["errors"]] == ["body.positions.0.at"]
    too_many = {"positions": _batch(1)["positions"] * 1001}
    refused = client.post("/api/v1/workers/UPPER/positions", json=too_many, headers=admin)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.positions"]
    assert _stored(engine, "UPPER") == 0


def test_lists_tracks_and_patrol_follow_scope(town, walker) -> None:
    engine, client = town
    admin = bearer(engine, "admin")
    for code, minutes_ago in (("WALKER", 1), ("FARAWAY", 2), ("UPPER", 60), ("LOWER", 60)):
        place(engine, code, SPOTS.get(code, INCIDENT), minutes_ago=minutes_ago)
    everyone = client.get("/api/v1/workers", headers=admin).json()["workers"]
    assert [w["code"] for w in everyone] == ["FARAWAY", "LOWER", "UPPER", "WALKER"]
    east = client.get(f"/api/v1/workers?area={EAST}", headers=admin).json()["workers"]
    assert {w["code"] for w in east} == {"LOWER", "UPPER", "WALKER"}
    seen = client.get("/api/v1/workers?status=available", headers=admin).json()["workers"]
    assert {w["code"] for w in seen} == {"FARAWAY", "WALKER"}
    mine = client.get("/api/v1/workers", headers=walker).json()["workers"]
    assert {w["code"] for w in mine} == {"LOWER", "UPPER", "WALKER"}  # their grid only
    west = bearer(engine, "operator", WEST)
    assert [w["code"] for w in client.get("/api/v1/workers", headers=west).json()["workers"]] == [
        "FARAWAY"
    ]
    unknown = client.get("/api/v1/workers?area=331004009000", headers=admin)
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM

    today = datetime.now(LOCAL_TIME).date()
    day = today - timedelta(days=1)
    walk = {"positions": [
        {"at": datetime(day.year, day.month, day.day, 10, m, tzinfo=LOCAL_TIME).isoformat(),
         "lon": (121.3101, 121.3102, 121.3103)[m], "lat": 28.5531} for m in (0, 1, 2)
    ]}  # fmt: skip
    assert client.post("/api/v1/workers/WALKER/positions", json=walk, headers=walker).json()[
        "new"] == 3  # fmt: skip
    track = client.get(f"/api/v1/workers/WALKER/track?date={day}", headers=admin).json()
    assert track["type"] == "FeatureCollection" and track["positions"] == 3
    assert track["features"][0]["geometry"]["coordinates"][-1] == [121.3103, 28.5531]
    assert track["features"][0]["geometry"]["type"] == "LineString"
    assert client.get("/api/v1/workers/FARAWAY/track", headers=walker).status_code == 404
    for bad in ("2026-13-01", "1999-12-31", "yesterday"):
        refused = client.get(f"/api/v1/workers/WALKER/track?date={bad}", headers=admin)
        assert refused.status_code == 422, bad
        assert refused.json()["errors"][0]["field"].endswith("date")
    patrol = client.get(f"/api/v1/workers/patrol?date={day}", headers=admin).json()
    walked = {w["code"]: w for w in patrol["workers"]}
    assert walked["WALKER"]["minutes"] == 2.0  # three positions a minute apart
    assert walked["WALKER"]["grids"][0]["grid"] == grid_of(engine, HOME)
    grids = client.get("/api/v1/workers/patrol/grids?days=7", headers=admin).json()
    assert grids["until"] == today.isoformat()  # the local day, China Standard Time
    assert grids["since"] == (today - timedelta(days=6)).isoformat()
    assert {g["visited"] for g in grids["grids"]} == {True, False}
    assert client.get("/api/v1/workers/patrol/grids?days=32", headers=admin).status_code == 422


def test_the_nearest_workers_and_dispatching_one(town) -> None:
    engine, client = town
    admin = bearer(engine, "admin")
    for code, spot in SPOTS.items():
        place(engine, code, spot)
    place(engine, "WALKER", INCIDENT, minutes_ago=30)  # right there, but offline
    body = {"category": "sanitation", "lon": INCIDENT[0], "lat": INCIDENT[1],
            "description": "路边垃圾堆积", "source": "hotline"}  # fmt: skip
    code = client.post("/api/v1/incidents", json=body, headers=admin).json()["code"]
    near = client.get(f"/api/v1/incidents/{code}/workers?limit=2", headers=admin)
    assert near.status_code == 200, near.text
    ranked = near.json()["workers"]
    assert [(w["code"], w["method"]) for w in ranked] == [("LOWER", "road"), ("UPPER", "road")]
    assert ranked[0]["distance_m"] < ranked[1]["distance_m"]
    assert ranked[1]["straight_m"] < ranked[0]["straight_m"]
    assert client.get("/api/v1/incidents/NOPE/workers", headers=admin).status_code == 404
    assert (
        client.get(f"/api/v1/incidents/{code}/workers?limit=21", headers=admin).status_code == 422
    )
    for to, extra in (("accepted", {}), ("dispatched", {"assignee": "LOWER"})):
        moved = client.post(f"/api/v1/incidents/{code}/transitions", json={"to": to, **extra},
                            headers=admin)  # fmt: skip
        assert moved.status_code == 200, moved.text
    detail = moved.json()
    assert detail["status"] == "dispatched" and detail["assignee"] == "LOWER"
    lower = client.get("/api/v1/workers?status=busy", headers=admin).json()["workers"]
    assert [w["code"] for w in lower] == ["LOWER"]


def test_position_events_reach_the_stream_of_their_scope_only(town) -> None:
    engine, client = town
    admin, west = bearer(engine, "admin"), bearer(engine, "operator", WEST)
    last_admin = client.get("/api/v1/stream", headers=admin).json()["last_id"]
    last_west = client.get("/api/v1/stream", headers=west).json()["last_id"]
    client.post("/api/v1/workers/UPPER/positions", json=_batch(0.5, lon=121.305, lat=28.557),
                headers=admin)  # fmt: skip
    seen = client.get(f"/api/v1/stream?after={last_admin}", headers=admin).json()["events"]
    assert [(e["kind"], e["subject"]) for e in seen] == [("worker.position", "UPPER")]
    assert seen[0]["payload"]["worker"]["lat"] == 28.557 and seen[0]["payload"]["new"] == 1
    hidden = client.get(f"/api/v1/stream?after={last_west}", headers=west).json()["events"]
    assert hidden == []

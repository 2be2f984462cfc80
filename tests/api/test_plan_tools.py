"""GET /api/v1/plans/{id}/buildings: each building of a plan with its grid in that plan,
within the reader's scope."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from gis.partition import Rules
from gis.partition.store import create_plan, plan_assignment
from tests.common import bearer

STREET = "331004001000"


@pytest.fixture(scope="module")
def city(plan_city):
    engine, settings = plan_city
    plan = create_plan(engine, STREET, name="tools", rules=Rules(20, 50), seed=1)
    with TestClient(create_app(settings)) as client:
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

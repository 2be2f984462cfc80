"""The area API against the loaded sample city, and problem+json errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from tests.common import bearer, signed_in

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


def test_healthz(client) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.")


def test_the_tree_holds_the_whole_district(client, sample_city) -> None:
    tree = client.get("/api/v1/areas").json()
    luqiao = next(a for a in tree if a["code"] == "331004000000")
    assert luqiao["level"] == "district"
    streets = luqiao["children"]
    assert len(streets) == sample_city.profile.n_streets
    assert sum(len(s["children"]) for s in streets) == sample_city.profile.n_communities
    assert all(c["level"] == "community" for s in streets for c in s["children"])


def test_district_statistics_match_the_database(client, engine) -> None:
    body = client.get("/api/v1/areas/331004000000").json()
    with engine.connect() as conn:
        expected = {
            name: conn.execute(text(sql)).scalar()
            for name, sql in {
                "buildings": "SELECT count(*) FROM building",
                "households": "SELECT count(*) FROM household",
                "persons": "SELECT count(*) FROM person",
                "cameras": "SELECT count(*) FROM camera",
                "open_incidents": "SELECT count(*) FROM incident "
                "WHERE status NOT IN ('resolved', 'closed')",
            }.items()
        }
    assert {k: body["stats"][k] for k in expected} == expected
    assert body["stats"]["households"] > 0 and body["stats"]["open_incidents"] > 0
    children = body["children"]
    for key in expected:
        assert sum(c["stats"][key] for c in children) == expected[key]


def test_a_community_has_its_breadcrumb_and_geometry(client) -> None:
    tree = client.get("/api/v1/areas").json()
    street = tree[0]["children"][0]
    community = street["children"][0]
    body = client.get(f"/api/v1/areas/{community['code']}", params={"geometry": True}).json()
    assert [a["code"] for a in body["ancestors"]] == ["331004000000", street["code"]]
    assert body["geometry"]["type"] == "MultiPolygon"
    assert body["children"] == []
    assert body["area_km2"] > 0
    west, south, east, north = body["bbox"]
    assert 121 < west < east < 122 and 28 < south < north < 29


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/api/v1/areas/331004999999", 404, "there is no area with code 331004999999"),
        ("/api/v1/areas/33100", 422, "is not 12 digits"),
        ("/api/v1/areas/331004000000?geometry=maybe", 422, "query.geometry"),
        ("/api/v1/nothing", 404, "the API lives under /api/v1"),
    ],
    ids=["unknown-area", "malformed-code", "bad-query", "unknown-route"],
)
def test_errors_are_problem_json(client, path: str, status: int, detail: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and detail in body["detail"]
    assert body["title"] and body["instance"] == path.split("?")[0]


def test_openapi_describes_the_area_routes(client) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/areas", "/api/v1/areas/{code}", "/healthz"} <= set(spec["paths"])


def test_a_busy_database_is_a_503_problem_with_retry_after(settings, engine, sample_city) -> None:
    busy = settings.model_copy(update={"pool_size": 1, "pool_timeout_s": 0.2})
    with TestClient(create_app(busy), headers=bearer(engine)) as c, c.app.state.engine.connect():
        # The worker's only connection is held here: the request waits, then is told why.
        response = c.get("/api/v1/areas/331004000000")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert response.headers["retry-after"] == "2"
        assert "busy" in response.json()["detail"]
    with TestClient(create_app(busy), headers=bearer(engine)) as c:
        assert c.get("/api/v1/areas/331004000000").status_code == 200

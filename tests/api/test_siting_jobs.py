"""``POST /api/v1/cameras/siting``: bounded before it is queued (each bad input a problem
naming its field), then a job whose result is the MCLP and the greedy answer. The job
runs here in-process (``gis.jobs.runner.execute``), as a worker would run it."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from api.app import create_app
from gis.errors import InvalidInput
from gis.jobs.runner import execute
from gis.jobs.siting import check
from tests.common import signed_in
from tests.siting_case import road_across_smallest_community


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with TestClient(create_app(settings)) as c:
        yield signed_in(c, engine, "analyst")


@pytest.fixture(scope="module")
def community(engine, sample_city):
    """The smallest community, crossed by a road the test adds (removed at the end)."""
    with road_across_smallest_community(engine) as code:
        yield code


def test_siting_runs_as_a_job_with_both_answers(client, engine, community):
    body = {"area": community, "k": 2, "target": "roads", "spacing_m": 40, "range_m": 50}
    answer = client.post("/api/v1/cameras/siting", json=body)
    assert answer.status_code == 202, answer.text
    assert answer.headers["location"] == f"/api/v1/jobs/{answer.json()['id']}"
    job_id = uuid.UUID(answer.json()["id"])
    assert execute(engine, job_id) == "done"
    job = client.get(f"/api/v1/jobs/{job_id}").json()
    assert job["status"] == "done", job
    result = job["result"]
    assert result["area"] == community and result["unit"] == "metres of road"
    assert 0 < result["greedy"]["covered"] <= result["mclp"]["covered"]
    assert 1 <= len(result["mclp"]["sites"]) <= 2
    assert set(result["mclp"]["sites"][0]) == {"candidate", "lon", "lat", "added"}


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"k": 51}, 422, "k"),
        ({"spacing_m": 2}, 422, "spacing_m"),
        ({"target": "trees"}, 422, "target"),
        ({"area": "331004999999"}, 404, None),
        ({"spacing_m": 10, "range_m": 5, "area": "331004"}, 422, "spacing_m"),
    ],
)
def test_bad_siting_requests_are_problems_before_queueing(
    client, engine, community, change, status, field
):
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM job")).scalar_one()
    body = {"area": community, "k": 2, "target": "roads"} | change
    if body["area"] == "331004":  # the whole district: too many candidates at 10 m
        body["area"] = "331004000000"
    answer = client.post("/api/v1/cameras/siting", json=body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    if field:
        assert field in str(answer.json().get("errors")), answer.json()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM job")).scalar_one() == before


def test_an_area_without_roads_is_refused(engine, community):
    """Checked in a transaction that removes the community's roads, then rolls back."""
    with engine.connect() as conn, conn.begin() as transaction:
        conn.execute(text(
            "DELETE FROM road r USING area a WHERE a.code = :c AND ST_Intersects(r.geom, a.geom)"
        ), {"c": community})  # fmt: skip
        with pytest.raises(InvalidInput, match="has no roads loaded"):
            check(conn, {"area": community, "target": "roads"})
        transaction.rollback()

"""Plan edits: If-Match compared strongly, preconditions before the body's content, and a
split line that is checked (a GeoJSON LineString, bounded) before it reaches the engine.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import shape

from api.app import create_app
from api.routers.plans import MAX_LINE_VERTICES
from gis.partition import Rules
from gis.partition.store import create_plan
from tests.common import signed_in

PROBLEM = "application/problem+json"
STREET = "331004001000"


@pytest.fixture(scope="module")
def city(plan_city):
    engine, settings = plan_city
    rules = Rules(min_households=20, max_households=50)
    plans = [create_plan(engine, STREET, name=f"edits {s}", rules=rules, seed=s) for s in (1, 2)]
    with TestClient(create_app(settings)) as client:
        yield signed_in(client, engine), plans


def current_tag(client, plan_id: int) -> str:
    return client.get(f"/api/v1/plans/{plan_id}").headers["etag"]


def biggest_grid(client, plan_id: int) -> dict:
    features = client.get(f"/api/v1/plans/{plan_id}").json()["grids"]["features"]
    return max(features, key=lambda f: f["properties"]["buildings"])


def split(client, plan_id: int, body: dict | bytes, if_match: str | None = None):
    headers = {"If-Match": if_match} if if_match else {}
    url = f"/api/v1/plans/{plan_id}/edits/split"
    if isinstance(body, bytes):
        headers["Content-Type"] = "application/json"
        return client.post(url, content=body, headers=headers)
    return client.post(url, json=body, headers=headers)


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    return response.json()


def test_if_match_is_this_plans_current_strong_tag(city) -> None:
    client, (plan, other) = city
    tag = current_tag(client, plan)
    assert tag == f'"plan-{plan}-v1"'
    body = {"grid": biggest_grid(client, plan)["properties"]["code"]}
    for sent, says in [
        (f"W/{tag}", "weak ETag"),
        (current_tag(client, other), "another plan"),
        (f'"plan-{plan}-v0"', "reload the plan"),
        ("plan-version-one", "not this plan's ETag"),
        (f"{tag}x", "not this plan's ETag"),
    ]:
        response = split(client, plan, body, sent)
        assert says in problem(response, 412)["detail"], sent
        assert response.headers["etag"] == tag  # every 412 carries the current ETag
    assert current_tag(client, plan) == tag  # nothing changed
    problem(split(client, 999_999, body, '"plan-999999-v1"'), 404)
    # A list of tags matches when one of them does.
    done = split(client, plan, body, f'W/"x", {tag}')
    assert done.status_code == 200, done.text
    assert done.headers["etag"] == f'"plan-{plan}-v2"'


def test_star_means_whatever_version_is_current(city) -> None:
    client, (_, plan) = city
    before = current_tag(client, plan)
    body = {"grid": biggest_grid(client, plan)["properties"]["code"]}
    done = split(client, plan, body, "*")
    assert done.status_code == 200, done.text
    assert before == f'"plan-{plan}-v1"'
    assert done.headers["etag"] == current_tag(client, plan) == f'"plan-{plan}-v2"'


def test_preconditions_come_before_the_line(city) -> None:
    client, (plan, _) = city
    bad = {"grid": "x", "line": {"type": "LineString", "coordinates": "bad"}}
    problem(split(client, plan, bad), 428)
    problem(split(client, 999_999, bad, '"plan-999999-v1"'), 404)
    stale = split(client, plan, bad, f'"plan-{plan}-v0"')
    assert problem(stale, 412) and stale.headers["etag"] == current_tag(client, plan)
    invalid = problem(split(client, plan, bad, current_tag(client, plan)), 422)
    assert invalid["errors"][0]["field"] == "body.line.coordinates"


@pytest.mark.parametrize(
    "line, field",
    [
        ({"type": "Point", "coordinates": [121.3, 28.5]}, "body.line.type"),
        ({"type": "LineString", "coordinates": [[121.3, 28.5]]}, "body.line.coordinates"),
        ({"type": "LineString", "coordinates": [[121.3, 95.0], [121.4, 28.5]]},
         "body.line.coordinates.0.1"),
        ({"type": "LineString", "coordinates": [[121.3, 28.5]] * (MAX_LINE_VERTICES + 1)},
         "body.line.coordinates"),
        ({"type": "LineString", "coordinates": [[121.3, 28.5], [121.3, 28.5]]},
         "body.line.coordinates"),
        ({"type": "LineString"}, "body.line.coordinates"),
    ],
    ids=["point", "one vertex", "latitude", "too many vertices", "one point twice", "none"],
)  # fmt: skip
def test_a_malformed_line_is_a_422_naming_the_field(city, line: dict, field: str) -> None:
    client, (plan, _) = city
    response = split(client, plan, {"grid": "x", "line": line}, current_tag(client, plan))
    assert field in [e["field"] for e in problem(response, 422)["errors"]]


def test_a_line_with_nan_or_an_extra_field_is_refused(city) -> None:
    client, (plan, _) = city
    nan = b'{"grid": "x", "line": {"type": "LineString", "coordinates": [[NaN, 1], [2, 3]]}}'
    problem(split(client, plan, nan, current_tag(client, plan)), 422)
    extra = split(client, plan, {"grid": "x", "lines": []}, current_tag(client, plan))
    assert "body.lines" in problem(extra, 422)["detail"]


def test_a_drawn_line_splits_the_grid(city) -> None:
    client, (plan, _) = city
    grid = biggest_grid(client, plan)
    xmin, ymin, xmax, ymax = shape(grid["geometry"]).bounds
    middle = (ymin + ymax) / 2
    line = {"type": "LineString", "coordinates": [[xmin - 0.001, middle], [xmax + 0.001, middle]]}
    body = {"grid": grid["properties"]["code"], "line": line}
    done = split(client, plan, body, current_tag(client, plan))
    assert done.status_code == 200, done.text
    assert len(done.json()["grids_now"]) > 0

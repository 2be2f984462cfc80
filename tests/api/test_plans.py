"""Plans over HTTP: a job with progress, GeoJSON grids, report, diff, publish, edits."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.common import signed_in, worker_process

STREET = "331004001000"
SMALL = {"min_households": 20, "max_households": 50}


@pytest.fixture(scope="module")
def client(plan_city):
    engine, settings = plan_city
    with worker_process(settings.database_url), TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


def wait_for_job(client, response) -> dict:
    assert response.status_code == 202, response.text
    job_url = response.headers["location"]
    deadline = time.monotonic() + 120
    while (job := client.get(job_url).json())["status"] in ("queued", "running"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done", job["error"]
    return job


def make_plan(client, **extra) -> int:
    response = client.post("/api/v1/plans", json={"area": STREET, "name": "api", **SMALL, **extra})
    job = wait_for_job(client, response)
    assert job["progress"]["done"] == job["progress"]["total"] > 0
    return job["result"]["plan_id"]


@pytest.fixture(scope="module")
def plan_id(client) -> int:
    return make_plan(client)


def biggest_community_grids(client, plan_id: int) -> list[str]:
    features = client.get(f"/api/v1/plans/{plan_id}").json()["grids"]["features"]
    by_community: dict[str, list[str]] = {}
    for f in features:
        by_community.setdefault(f["properties"]["community_code"], []).append(
            f["properties"]["code"]
        )
    return sorted(max(by_community.values(), key=len))


def test_plan_with_grids_and_report(client, plan_id) -> None:
    response = client.get(f"/api/v1/plans/{plan_id}")
    body = response.json()
    assert response.headers["etag"] == f'"plan-{plan_id}-v1"'
    assert body["status"] == "draft" and body["parameters"]["max_households"] == 50
    features = body["grids"]["features"]
    assert len(features) == body["grid_count"] > 0
    assert {"code", "community_code", "households", "area_m2"} <= set(features[0]["properties"])
    assert features[0]["geometry"]["type"] == "MultiPolygon"
    report = client.get(f"/api/v1/plans/{plan_id}/report").json()
    assert report["grids"] == len(features) and "polsby_popper_mean" in report
    fresh = wait_for_job(client, client.post(f"/api/v1/plans/{plan_id}/report"))["result"]
    assert fresh["households"] == report["households"]


def test_edits_need_the_current_version(client, plan_id) -> None:
    url = f"/api/v1/plans/{plan_id}/edits/merge"
    grids = biggest_community_grids(client, plan_id)
    body = {"grids": grids[:2]}
    assert client.post(url, json=body).status_code == 428
    tag = client.get(f"/api/v1/plans/{plan_id}").headers["etag"]
    merged = client.post(url, json=body, headers={"If-Match": tag})
    assert merged.status_code == 200, merged.text
    assert merged.headers["etag"] != tag
    stale = client.post(url, json={"grids": grids[2:4]}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    assert "reload the plan" in stale.json()["detail"]
    after = client.get(f"/api/v1/plans/{plan_id}").json()
    assert after["version"] == 2  # the stale edit changed nothing


def test_split_and_move_report_broken_rules(client, plan_id) -> None:
    grids = biggest_community_grids(client, plan_id)
    tag = client.get(f"/api/v1/plans/{plan_id}").headers["etag"]
    split = client.post(f"/api/v1/plans/{plan_id}/edits/split", json={"grid": grids[0]},
                        headers={"If-Match": tag})  # fmt: skip
    assert split.status_code == 200, split.text
    assert len(split.json()["grids_now"]) > 0
    # Moving every building of a community's grids into one breaks the upper bound.
    plan = client.get(f"/api/v1/plans/{plan_id}").json()
    community = next(f for f in plan["grids"]["features"] if f["properties"]["code"] == grids[1])
    buildings = client.get(
        "/api/v1/buildings",
        params={"community": community["properties"]["community_code"], "limit": 500},
    ).json()["items"]
    moved = client.post(
        f"/api/v1/plans/{plan_id}/edits/move",
        json={"buildings": [b["code"] for b in buildings], "grid": grids[1]},
        headers={"If-Match": split.headers["etag"]},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["ok"] is False and 3 in moved.json()["broken_rules"]


def test_publish_diff_and_refusals(client, plan_id) -> None:
    other = make_plan(client, seed=9, min_households=30, max_households=70)
    diff = client.get(f"/api/v1/plans/{other}/diff", params={"against": plan_id}).json()
    assert diff["buildings_moved"] > 0
    published = client.post(f"/api/v1/plans/{other}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    me = client.get("/api/v1/me").json()["name"]
    assert published.json()["published_by"] == me
    again = client.post(f"/api/v1/plans/{other}/publish")
    assert again.status_code == 409
    tag = published.headers["etag"]
    grids = biggest_community_grids(client, other)
    edit = client.post(f"/api/v1/plans/{other}/edits/merge", json={"grids": grids[:2]},
                       headers={"If-Match": tag})  # fmt: skip
    assert edit.status_code == 409
    assert client.get("/api/v1/plans/99999").status_code == 404
    assert client.get("/api/v1/jobs/99999").status_code == 404
    assert client.get("/api/v1/jobs/6f1c2a3e-0000-4000-8000-000000000000").status_code == 404
    bad = client.post("/api/v1/plans", json={"area": STREET, "name": "x", "min_households": 0})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"


def test_a_published_grid_in_the_drill_down(client) -> None:
    plan = make_plan(client, seed=11)
    client.post(f"/api/v1/plans/{plan}/publish")
    feature = client.get(f"/api/v1/plans/{plan}").json()["grids"]["features"][0]["properties"]
    grid = client.get(f"/api/v1/grids/{feature['code']}").json()
    assert grid["plan_id"] == plan and grid["community_code"] == feature["community_code"]
    assert grid["stats"]["buildings"] == feature["buildings"]
    community = client.get(f"/api/v1/areas/{feature['community_code']}").json()
    assert feature["code"] in [g["code"] for g in community["grids"]]
    listed = client.get("/api/v1/buildings", params={"grid": feature["code"]}).json()
    assert listed["total"] == feature["buildings"]
    assert client.get("/api/v1/grids/NOPE").status_code == 404


def test_a_plan_job_is_checked_before_it_is_queued_and_can_be_cancelled(client) -> None:
    missing = client.post("/api/v1/plans", json={"area": "331004999999", "name": "x"})
    assert missing.status_code == 404 and "331004999999" in missing.json()["detail"]
    queued = client.post("/api/v1/plans", json={"area": STREET, "name": "to cancel", **SMALL})
    job = queued.json()
    assert queued.status_code == 202 and job["status"] in ("queued", "running")
    cancelled = client.delete(f"/api/v1/jobs/{job['id']}")
    assert cancelled.status_code == 200
    # A job the worker finished first stays done; otherwise it ends cancelled, with a reason.
    final = cancelled.json()
    assert final["status"] in ("cancelled", "done")
    if final["status"] == "cancelled":
        assert final["error"]["title"] == "job cancelled" and final["result"] is None

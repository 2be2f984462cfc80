"""PostgreSQL restarts under the API: 503 problems during the outage, answers again
after it, and a job queued before it is not lost."""

from __future__ import annotations

import time

import httpx
import pytest
from sqlalchemy import create_engine

from api.app import create_app
from gis.db.embedded import EmbeddedCluster
from gis.db.migrate import upgrade
from gis.load import load_frame
from gis.settings import DatabaseSettings
from tests.common import (
    TEST_KEY,
    bearer,
    live_server,
    reachable_tmpdir,
    small_areas,
    small_buildings,
    worker_process,
)


@pytest.fixture(scope="module")
def cluster():
    cluster = EmbeddedCluster(reachable_tmpdir("wangge-outage-") / "db", ephemeral=True)
    url = cluster.up().url
    engine = create_engine(url)
    upgrade(engine)
    load_frame(engine, "areas", small_areas())
    load_frame(engine, "buildings", small_buildings())
    cluster.headers = bearer(engine)
    engine.dispose()
    yield cluster
    cluster.destroy()


@pytest.fixture(scope="module")
def server(cluster):
    settings = DatabaseSettings(database_url=cluster.url(), secret_key=TEST_KEY, pool_timeout_s=3)
    with live_server(create_app(settings)) as url:
        yield url


RUNNING = ("queued", "running")


def _until_ok(url: str, headers: dict[str, str], timeout_s: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout_s
    while True:
        response = httpx.get(url, headers=headers, timeout=10)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.3)


def test_a_restart_gives_503_problems_then_answers_and_loses_no_job(cluster, server) -> None:
    queued = httpx.post(
        f"{server}/api/v1/plans",
        json={"area": "331004001000", "name": "across the outage", "min_households": 10,
              "max_households": 40},
        headers=cluster.headers, timeout=10,
    )  # fmt: skip
    assert queued.status_code == 202, queued.text
    job_url = server + queued.headers["location"]
    port = cluster.status().port

    cluster.down()
    for path in ("/healthz", "/api/v1/areas", "/api/v1/areas/331004000000", job_url[len(server) :]):
        response = httpx.get(server + path, headers=cluster.headers, timeout=20)
        assert response.status_code == 503, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "Retry-After" in response.headers
        assert str(port) not in response.text and "127.0.0.1" not in response.text

    cluster.up()
    assert _until_ok(f"{server}/api/v1/areas/331004000000", cluster.headers).status_code == 200
    assert _until_ok(f"{server}/healthz", cluster.headers).status_code == 200
    with worker_process(cluster.url()):
        deadline = time.monotonic() + 60
        while (job := _until_ok(job_url, cluster.headers).json())["status"] in RUNNING:
            assert time.monotonic() < deadline, job
            time.sleep(0.3)
    assert job["status"] == "done", job["error"]
    assert job["result"]["plan_id"] > 0

"""Hotspot analyses over HTTP against the sample city: each method, KDE tiles, ledgers, errors."""

from __future__ import annotations

import io
import time

import morecantile
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from shapely.geometry import shape

from api.app import create_app
from tests.common import signed_in, worker_process


@pytest.fixture(scope="module")
def client(settings, engine, sample_city):
    with worker_process(settings.database_url), TestClient(create_app(settings)) as c:
        yield signed_in(c, engine)


def analyse(client, **body) -> dict:
    """Submit an analysis (a job), wait for it, and return its result."""
    response = client.post("/api/v1/analyses/hotspots", json=body)
    assert response.status_code == 202, response.text
    deadline = time.monotonic() + 120
    while (job := client.get(response.headers["location"]).json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done", job["error"]
    return job["result"]


@pytest.mark.parametrize("method", ["gi", "lisa", "emerging"], ids=str)
def test_cell_methods_return_features_with_their_parameters(client, method: str) -> None:
    body = analyse(client, method=method, permutations=99, seed=4)
    analysis = body["analysis"]
    assert analysis["method"] == method and analysis["summary"].startswith(method)
    assert analysis["window"]["n_incidents"] > 0
    assert analysis["request"]["seed"] == 4
    assert body["features"]["type"] == "FeatureCollection" and body["features"]["features"]


def test_gi_is_reproducible_for_a_seed(client) -> None:
    first = analyse(client, method="gi", permutations=99, seed=1)["features"]["features"]
    again = analyse(client, method="gi", permutations=99, seed=1)["features"]["features"]
    assert [f["properties"] for f in first] == [f["properties"] for f in again]


def test_kde_gives_polygons_and_png_tiles(client) -> None:
    body = analyse(client, method="kde", area="331004001000", cell_size=50)
    assert body["features"]["features"], "the densest 5 % make at least one polygon"
    densest = shape(body["features"]["features"][0]["geometry"]).representative_point()
    t = morecantile.tms.get("WebMercatorQuad").tile(densest.x, densest.y, 13)
    tile = client.get(f"/tiles/kde/{body['surface_id']}/{t.z}/{t.x}/{t.y}.png")
    assert tile.status_code == 200 and tile.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(tile.content))
    assert image.size == (256, 256) and image.getextrema()[3][1] > 0  # something is drawn
    missing = client.get("/tiles/kde/000000000000/1/0/0.png")
    assert missing.status_code == 404


def test_knox_returns_its_table(client) -> None:
    body = analyse(client, method="knox", permutations=49)
    rows = body["table"]
    assert {"space_band", "time_band", "observed", "expected", "ratio", "p"} <= set(rows[0])


def test_ledger_follows_hot_places_between_runs(client) -> None:
    area = "331004000000"
    first = analyse(client, method="gi", area=area, permutations=99, ledger=True)["ledger"]
    assert first and {e["status"] for e in first} == {"new"}
    assert all(e["community_code"] and e["community_name"] for e in first)
    second = analyse(client, method="gi", area=area, permutations=99, ledger=True)["ledger"]
    assert {e["status"] for e in second} == {"still hot"}
    assert [e["community_name"] for e in second] == [e["community_name"] for e in first]


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"method": "gi", "since": "2030-01-01"}, 422, "no incidents match"),
        ({"method": "gi", "area": "331004999999"}, 404, "no area with code"),
        ({"method": "voodoo"}, 422, "body.method"),
        ({"method": "gi", "since": "2026-05-01", "until": "2026-01-01"}, 422, "earlier than"),
        ({"method": "kde", "ledger": True, "area": "331004000000"}, 422, "Gi* or emerging"),
        ({"method": "gi", "since": "last tuesday"}, 422, "not a date"),
        ({"method": "lisa", "permutations": 9999, "resolution": 12}, 422, "H3 cells"),
        ({"method": "gi", "permutations": 9999, "resolution": 10}, 422, "cells × permutations"),
        ({"method": "kde", "cell_size": 5}, 422, "raster cells"),
        ({"method": "emerging", "step": "1h"}, 422, "time steps"),
        ({"method": "emerging", "step": "abc"}, 422, "not a time step"),
        ({"method": "emerging", "step": "0D"}, 422, "longer than zero"),
        ({"method": "knox", "seed": -1}, 422, "body.seed"),
    ],
    ids=[
        "empty-window",
        "unknown-area",
        "unknown-method",
        "inverted-window",
        "kde-ledger",
        "not-a-date",
        "too-many-cells",
        "too-many-draws",
        "raster-too-big",
        "too-many-steps",
        "step-not-a-time",
        "step-zero",
        "negative-seed",
    ],
)
def test_bad_requests_are_problems(client, body: dict, status: int, detail: str) -> None:
    response = client.post("/api/v1/analyses/hotspots", json=body)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_a_surface_many_tiles_ask_for_at_once_is_loaded_once() -> None:
    import anyio

    from api.routers.analyses import Surfaces

    loads = []

    async def load():
        loads.append(1)
        await anyio.sleep(0.05)
        return "surface"

    async def main() -> list:
        surfaces, got = Surfaces(), []
        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(lambda: _append(got, surfaces.get("abc", load)))
        return got

    async def _append(got: list, awaitable) -> None:
        got.append(await awaitable)

    assert anyio.run(main) == ["surface"] * 10
    assert len(loads) == 1

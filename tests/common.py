"""Helpers shared by the tests."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEST_KEY = "test-secret-key"


def reachable_tmpdir(prefix: str) -> Path:
    """A temporary directory the `postgres` user can enter (pytest's own is 0700 under root)."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    path.chmod(0o755)
    return path


def small_areas():
    """A district of two streets and four communities near Luqiao, as a GeoDataFrame."""
    import geopandas as gpd
    from shapely.geometry import box

    x0, y0 = 121.30, 28.55
    d = "331004000000"
    rows = [
        (d, "测试区", "district", None, None, box(x0, y0, x0 + 0.04, y0 + 0.02)),
        ("331004001000", "东街道", "street", d, None, box(x0, y0, x0 + 0.02, y0 + 0.02)),
        ("331004002000", "西镇", "street", d, None, box(x0 + 0.02, y0, x0 + 0.04, y0 + 0.02)),
    ]
    for i, street in enumerate(("331004001000", "331004002000")):
        sx = x0 + 0.02 * i
        for j in range(2):
            rows.append(
                (
                    f"{street[:9]}00{j + 1}",
                    f"社区{i}{j}",
                    "community",
                    street,
                    "urban" if i == 0 else "rural",
                    box(sx, y0 + 0.01 * j, sx + 0.02, y0 + 0.01 * (j + 1)),
                )
            )
    columns = ["code", "name", "level", "parent_code", "kind", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, crs="EPSG:4326")


def small_buildings():
    """Eight 20 m buildings, two in each community of `small_areas`."""
    import geopandas as gpd
    from shapely.geometry import box

    rows = []
    n = 0
    for cx in (121.305, 121.325):
        for cy in (28.555, 28.565):
            for dx in (0.0, 0.002):
                n += 1
                geom = box(cx + dx, cy, cx + dx + 0.0002, cy + 0.0002)
                rows.append((f"B{n:03d}", f"地址{n}", 6, "apartment", 10 * n, geom))
    columns = ["code", "address", "levels", "kind", "households", "geometry"]
    return gpd.GeoDataFrame(rows, columns=columns, crs="EPSG:4326")


@contextmanager
def worker_process(database_url: str) -> Iterator[subprocess.Popen]:
    """A real `wangge worker` process on ``database_url``, stopped (and checked to stop
    within 15 s of SIGTERM) at the end."""
    env = {**os.environ, "WANGGE_DATABASE_URL": database_url, "WANGGE_SECRET_KEY": TEST_KEY,
           "WANGGE_JOBS_WARM_UP": "false"}  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "worker", "--name", "test"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise AssertionError("the worker did not stop within 15 s of SIGTERM") from None


@contextmanager
def live_server(app) -> Iterator[str]:
    """``app`` served by a real uvicorn on a free port of 127.0.0.1, in a thread; yields
    its base URL and stops it at the end."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def new_token(engine, role: str = "admin", scope: str | None = None) -> str:
    """A bearer token of a new user with ``role`` and ``scope``, made in ``engine``'s
    database as `wangge user add` and `wangge user token` would make it."""
    import secrets

    from gis.accounts import create_user, issue_token

    name = f"{role}-{secrets.token_hex(4)}"
    with engine.begin() as conn:
        create_user(conn, name, role, scope=scope)
        return issue_token(conn, name, days=1)


def bearer(engine, role: str = "admin", scope: str | None = None) -> dict[str, str]:
    """The Authorization header of a new user's token (see ``new_token``)."""
    return {"Authorization": f"Bearer {new_token(engine, role, scope)}"}


def signed_in(client, engine, role: str = "admin", scope: str | None = None):
    """``client`` (a TestClient) sending a new ``role`` user's token with every request."""
    client.headers.update(bearer(engine, role, scope))
    return client


def small_people(n: int = 40, seed: int = 0):
    """Households (one per person) in the buildings of `small_buildings`, and ``n`` persons
    with valid ID numbers and phones, as the frames `load_frame` takes."""
    from datetime import date

    import numpy as np
    import pandas as pd

    from gis.synth.identity import id_numbers

    rng = np.random.default_rng(seed)
    year = rng.integers(1940, 2010, n)
    male = rng.random(n) < 0.5
    ids = id_numbers(np.full(n, "331004"), year, male, date(2026, 1, 1), rng)
    households = pd.DataFrame(
        {
            "code": [f"B{i % 8 + 1:03d}-{i:04d}" for i in range(n)],
            "building_code": [f"B{i % 8 + 1:03d}" for i in range(n)],
            "kind": "registered",
            "members": 1,
        }
    )
    persons = pd.DataFrame(
        {
            "code": [f"{h}-01" for h in households["code"]],
            "household_code": households["code"],
            "name": [f"居民{i}" for i in range(n)],
            "id_number": ids,
            "phone": [f"13{rng.integers(0, 10**9):09d}" for _ in range(n)],
            "birth_year": year,
            "sex": np.where(male, "M", "F"),
            "tags": "",
        }
    )
    return households, persons

"""The API under heavy jobs: /healthz and the drill-down p99, idle and while four heavy
analyses run in worker processes; and how long `wangge serve` takes to stop on SIGTERM
with jobs running.

    .venv/bin/python bench/bench_jobs.py            # the Luqiao sample (make demo's database)
    .venv/bin/python bench/bench_jobs.py --seconds 10

The peer is the same server idle, in the same run. Before jobs ran in worker processes,
one anonymous Knox request held the API's event loop for over 30 minutes (issue 12).
Load: four clients, each asking for /healthz and then a district's drill-down
(/api/v1/areas/331004000000) every 0.1 s, as a command centre's screens would.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WANGGE = ROOT / ".venv" / "bin" / "wangge"
INTERVAL_S = 0.1
ROUTES = {"healthz": "/healthz", "drill-down": "/api/v1/areas/331004000000"}
HEADERS: dict[str, str] = {}  # an admin's token, once the demo database is there
HEAVY = [  # four analyses that each keep a worker busy for tens of seconds
    {"method": "gi", "resolution": 10, "permutations": 999},
    {"method": "lisa", "resolution": 10, "permutations": 999},
    {"method": "knox"},
    {"method": "kde", "cell_size": 10},
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="length of each phase")
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    subprocess.run([str(WANGGE), "demo", "--no-serve"], check=True, cwd=ROOT)
    HEADERS.update(_admin_header())
    _clear_queue()
    port = _free_port()
    server = subprocess.Popen(
        [str(WANGGE), "serve", "--port", str(port), "--workers", "4"], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base)
        _wait_workers(4)  # each compiles the kernels first (about 30 s), as in production
        idle = asyncio.run(_load(base, args.seconds, args.clients))
        defaults = {m: _job_seconds(base, {"method": m}) for m in ("knox", "lisa", "gi")}
        jobs, busy = asyncio.run(_with_jobs(base, args.seconds, args.clients))
        print(f"\nwangge API, {args.clients} clients, {args.seconds:g} s per phase")
        print(f"{'route':<12}{'phase':<22}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
        for route in ROUTES:
            for phase, samples in (("idle", idle), ("4 heavy jobs running", busy)):
                ms = np.array(samples[route]) * 1000
                print(f"{route:<12}{phase:<22}{len(ms):>9}{np.percentile(ms, 50):>9.1f}"
                      f"{np.percentile(ms, 99):>9.1f}{ms.max():>9.1f}")  # fmt: skip
        print("\njobs while measured: " + ", ".join(f"{m} {s}" for m, s in jobs))
        print(
            "\nthe default analyses over the whole district, one at a time, nothing else running:"
        )
        for method, seconds in defaults.items():
            print(f"  {method:<6}{seconds:>7.1f} s in its worker")
        stop_s = _stop_with_jobs_running(base, server)
        print(f"SIGTERM to `wangge serve` with 4 jobs running: stopped in {stop_s:.1f} s")
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        _clear_queue()  # the jobs the stop put back in the queue are the bench's, not yours


async def _load(base: str, seconds: float, clients: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {r: [] for r in ROUTES}
    deadline = time.monotonic() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        tick = time.monotonic()
        while tick < deadline:
            for route, path in ROUTES.items():
                started = time.perf_counter()
                response = await http.get(base + path)
                samples[route].append(time.perf_counter() - started)
                response.raise_for_status()
            # Open loop: each client asks every INTERVAL_S, as a screen refreshing would,
            # so the figures are latencies rather than the queue a closed loop builds.
            tick += INTERVAL_S
            await asyncio.sleep(max(0.0, tick - time.monotonic()))

    async with httpx.AsyncClient(timeout=60, headers=HEADERS) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return samples


async def _with_jobs(base: str, seconds: float, clients: int):
    async with httpx.AsyncClient(timeout=60, headers=HEADERS) as http:
        urls = []
        for body in HEAVY:
            response = await http.post(base + "/api/v1/analyses/hotspots", json=body)
            response.raise_for_status()
            urls.append((body["method"], response.headers["location"]))
        await asyncio.sleep(2)  # let the workers take them
        samples = await _load(base, seconds, clients)
        states = [(m, (await http.get(base + u)).json()["status"]) for m, u in urls]
    return states, samples


def _job_seconds(base: str, body: dict) -> float:
    """Run one analysis as a job and return how long its worker took."""
    response = httpx.post(
        base + "/api/v1/analyses/hotspots", json=body, headers=HEADERS, timeout=60
    )
    response.raise_for_status()
    url = base + response.headers["location"]
    while (job := httpx.get(url, headers=HEADERS, timeout=60).json())["status"] in (
        "queued",
        "running",
    ):
        time.sleep(0.2)
    if job["status"] != "done":
        sys.exit(f"{body} ended {job['status']}: {job['error']}")
    started, finished = (datetime.fromisoformat(job[k]) for k in ("started_at", "finished_at"))
    return (finished - started).total_seconds()


def _stop_with_jobs_running(base: str, server: subprocess.Popen) -> float:
    for body in HEAVY:
        httpx.post(
            base + "/api/v1/analyses/hotspots", json=body, headers=HEADERS, timeout=60
        ).raise_for_status()
    time.sleep(3)
    started = time.monotonic()
    server.send_signal(signal.SIGTERM)
    server.wait(60)
    return time.monotonic() - started


def _admin_header() -> dict[str, str]:
    sys.path.insert(0, str(ROOT))
    from bench.auth import header
    from gis.db.engine import database_url
    from gis.settings import DatabaseSettings

    return header(database_url(DatabaseSettings()))


def _clear_queue() -> None:
    """Jobs an earlier run left queued would run first and skew every figure: drop them."""
    from sqlalchemy import text

    from gis.db.engine import make_engine
    from gis.settings import DatabaseSettings

    engine = make_engine(DatabaseSettings())
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL search_path TO procrastinate, public"))  # its triggers'
        conn.execute(text("DELETE FROM procrastinate.procrastinate_jobs "
                          "WHERE status IN ('todo', 'doing')"))  # fmt: skip
        conn.execute(text("UPDATE job SET status = 'cancelled', finished_at = now() "
                          "WHERE status IN ('queued', 'running')"))  # fmt: skip
    engine.dispose()


def _wait_workers(n: int) -> None:
    """Until ``n`` workers are taking jobs: each registers once its warm-up is done."""
    from sqlalchemy import text

    from gis.db.engine import make_engine
    from gis.settings import DatabaseSettings

    engine = make_engine(DatabaseSettings())
    sql = text("SELECT count(*) FROM procrastinate.procrastinate_workers "
               "WHERE last_heartbeat > now() - interval '10 seconds'")  # fmt: skip
    deadline = time.monotonic() + 180
    with engine.connect() as conn:
        while conn.execute(sql).scalar() < n:
            conn.commit()
            if time.monotonic() > deadline:
                sys.exit(f"{n} workers did not come up in 180 s")
            time.sleep(1)
    engine.dispose()


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    sys.exit("the server did not come up")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


if __name__ == "__main__":
    main()

"""The live stream against polling: 200 incidents/s with 100 SSE clients, then the same
100 clients polling `GET /api/v1/incidents` every second, on one `wangge serve`.

    .venv/bin/python bench/bench_stream.py               # 60 s per phase
    .venv/bin/python bench/bench_stream.py --seconds 20

It starts a PostgreSQL of its own (a throwaway embedded cluster under /tmp, with the
Luqiao sample city at --scale) and `wangge serve --workers 0` on it, and runs three
phases of --seconds each, with the same writer in each: 200 transactions a second, each
publishing one `incident.changed` event to the outbox (gis.events.publish, with a real
incident's summary as payload), as the incidents' intake and workflow do.

- writer only: no client; what the listener costs by itself;
- stream: 100 clients on GET /api/v1/stream (admins, no filter: every client takes every
  event, the most the fan-out does); latency from commit (the writer's clock once COMMIT
  returned) to the client's read, events lost and repeated per client;
- poll: the same 100 clients asking GET /api/v1/incidents?limit=100 once a second each,
  as dashboards commonly refresh; its latency.

For each phase: the API process's CPU time (and per event), PostgreSQL's CPU time and
pg_stat_database deltas. Clients run in processes of their own on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from array import array
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WANGGE = ROOT / ".venv" / "bin" / "wangge"
ID = re.compile(rb"id: (\d+)\nevent: ")
TICK = os.sysconf("SC_CLK_TCK")
PROCESSES = 2  # client processes of the stream phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="length of each phase")
    parser.add_argument("--rate", type=float, default=200, help="events a second")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--scale", type=float, default=0.1, help="sample city scale")
    parser.add_argument("--batch-ms", type=float, default=None,
                        help="WANGGE_STREAM_BATCH_MS for the server [default: its default]")  # fmt: skip
    args = parser.parse_args()

    from bench.cluster import sample_cluster

    with sample_cluster("stream", args.scale) as sample:
        _run(sample, args)


def _run(sample, args) -> None:
    """The three phases against one `wangge serve` on the sample, stopped however they end."""
    from bench.auth import header

    owner, settings, url, cluster = sample
    root = cluster.root.parent
    server = None
    try:
        sources = _sources(owner)
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # not the first phase's autovacuum
        headers = header(url, "admin")
        port = _free_port()
        env = {**os.environ, "WANGGE_DATABASE_URL": url, "WANGGE_SECRET_KEY": settings.secret_key}
        if args.batch_ms is not None:
            env["WANGGE_STREAM_BATCH_MS"] = str(args.batch_ms)
        log = (root / "server.log").open("w")
        server = subprocess.Popen(
            [str(WANGGE), "serve", "--port", str(port), "--workers", "0"], cwd=ROOT, env=env,
            stdout=log, stderr=log, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        _wait_up(base)
        gauges = Gauges(owner, server.pid, cluster.pgdata)
        _publish(owner, sources, 2, args.rate)  # warm up: connections, plans, caches
        batch = env.get("WANGGE_STREAM_BATCH_MS", "default")
        print(f"sample city at scale {args.scale}: {len(sources):,} incidents; "
              f"{args.rate:g} events/s, {args.clients} clients, {args.seconds:g} s a phase, "
              f"WANGGE_STREAM_BATCH_MS={batch}")  # fmt: skip
        rows = [("writer only", 0, _writer_only(owner, sources, args, gauges))]
        stream, load = _stream_phase(owner, sources, args, gauges, port, headers)
        rows.append((f"stream ({args.clients} SSE)", args.clients, load))
        polls, load = _poll_phase(owner, sources, args, gauges, base, headers)
        rows.append((f"poll ({args.clients} x 1/s)", args.clients, load))
        _report(rows, stream, polls, args)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)


def _sources(owner) -> list[tuple[str, int | None, int | None, str, dict]]:
    """Real incidents to announce: code, community, grid, category and a summary."""
    from sqlalchemy import text

    sql = text(
        "SELECT i.code, i.community_id, i.grid_id, i.category, i.status::text AS status, "
        "i.urgency::text AS urgency, c.code AS community_code, ST_X(i.geom) AS lon, "
        "ST_Y(i.geom) AS lat FROM incident i LEFT JOIN area c ON c.id = i.community_id "
        "ORDER BY i.id LIMIT 5000"
    )
    with owner.connect() as conn:
        rows = conn.execute(sql).mappings().all()
    return [(r["code"], r["community_id"], r["grid_id"], r["category"], dict(r)) for r in rows]


def _publish(owner, sources, seconds: float, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """One event per transaction at ``rate`` a second; ids and the times COMMIT returned."""
    from gis.events import publish

    ids, at = array("q"), array("d")
    start = time.monotonic()
    n = int(seconds * rate)
    for i in range(n):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        code, community, grid, category, summary = sources[i % len(sources)]
        payload = {"incident": summary, "event": {"action": "bench", "n": i},
                   "committed_at": time.time()}  # fmt: skip
        with owner.begin() as conn:
            event_id = publish(conn, "incident.changed", code, payload, community_id=community,
                               grid_id=grid, category=category)  # fmt: skip
        ids.append(event_id)
        at.append(time.time())
    return np.frombuffer(ids, dtype=np.int64), np.frombuffer(at, dtype=np.float64)


def _writer_only(owner, sources, args, gauges) -> dict:
    gauges.start()
    ids, _ = _publish(owner, sources, args.seconds, args.rate)
    return gauges.stop(len(ids))


def _stream_phase(owner, sources, args, gauges, port, headers):
    ctx = mp.get_context("spawn")
    ready, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    shares = [args.clients // PROCESSES + (i < args.clients % PROCESSES) for i in range(PROCESSES)]
    workers = [ctx.Process(target=_stream_worker, args=(port, headers, n, ready, results, stop))
               for n in shares]  # fmt: skip
    for w in workers:
        w.start()
    for _ in workers:
        ready.get(timeout=60)  # every client has its stream open
    gauges.start()
    ids, at = _publish(owner, sources, args.seconds, args.rate)
    time.sleep(3)  # the last events reach the clients; later than this counts as lost
    load = gauges.stop(len(ids))
    stop.set()
    received = [c for _ in workers for c in results.get(timeout=60)]
    for w in workers:
        w.join(10)
    order = np.argsort(ids)
    ids, at = ids[order], at[order]
    latencies, lost, repeated = [], 0, 0
    for got_ids, got_at in received:
        got_ids, got_at = np.asarray(got_ids), np.asarray(got_at)
        mine = (got_ids >= ids[0]) & (got_ids <= ids[-1])
        got_ids, got_at = got_ids[mine], got_at[mine]
        unique = np.unique(got_ids)
        repeated += len(got_ids) - len(unique)
        lost += len(np.setdiff1d(ids, unique))
        where = np.searchsorted(ids, got_ids)
        latencies.append(got_at - at[where])
    ms = np.concatenate(latencies) * 1000 if latencies else np.array([np.nan])
    return {"latency_ms": ms, "lost": lost, "repeated": repeated, "published": len(ids),
            "delivered": int(sum(len(r[0]) for r in received)), "clients": len(received)}, load  # fmt: skip


def _stream_worker(port, headers, n, ready, results, stop) -> None:
    results.put(asyncio.run(_stream_clients(port, headers, n, ready, stop)))


class _Sse(asyncio.Protocol):
    """A bare HTTP/1.1 SSE client: records each event's id and when its bytes arrived.
    Each frame the server sends is one chunk, so ids are found in the raw bytes."""

    def __init__(self, request: bytes, opened: asyncio.Future) -> None:
        self.request, self.opened = request, opened
        self.buffer, self.headed = b"", False
        self.ids, self.at = array("q"), array("d")

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now = time.time()
        buffer = self.buffer + data
        if not self.headed:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if b" 200 " not in buffer[:end].split(b"\r\n")[0]:
                self.opened.set_exception(RuntimeError(buffer[:200].decode(errors="replace")))
                return
            self.headed, buffer = True, buffer[end + 4 :]
        cut = buffer.rfind(b"\n\n")
        if cut < 0:
            self.buffer = buffer
            return
        if not self.opened.done():
            self.opened.set_result(None)  # the first block: the id to resume from
        for found in ID.findall(buffer, 0, cut + 2):
            self.ids.append(int(found))
            self.at.append(now)
        self.buffer = buffer[cut + 2 :]


async def _stream_clients(port, headers, n, ready, stop) -> list[tuple[list[int], list[float]]]:
    loop = asyncio.get_running_loop()
    lines = ["GET /api/v1/stream HTTP/1.1", f"Host: 127.0.0.1:{port}",
             "Accept: text/event-stream", *(f"{k}: {v}" for k, v in headers.items())]  # fmt: skip
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    clients = []
    for _ in range(n):
        opened = loop.create_future()
        _, protocol = await loop.create_connection(
            lambda o=opened: _Sse(request, o), "127.0.0.1", port
        )
        clients.append(protocol)
    await asyncio.wait_for(asyncio.gather(*(c.opened for c in clients)), 60)
    ready.put(n)
    while not stop.is_set():
        await asyncio.sleep(0.1)
    for c in clients:
        c.transport.close()
    return [(c.ids.tolist(), c.at.tolist()) for c in clients]


def _poll_phase(owner, sources, args, gauges, base, headers):
    ctx = mp.get_context("spawn")
    results, go = ctx.Queue(), ctx.Event()
    poller = ctx.Process(
        target=_poll_worker, args=(base, headers, args.clients, args.seconds, go, results)
    )
    poller.start()
    gauges.start()
    go.set()
    _publish(owner, sources, args.seconds, args.rate)
    polled = results.get(timeout=args.seconds + 60)
    load = gauges.stop(int(args.seconds * args.rate))
    poller.join(10)
    return polled, load


def _poll_worker(base, headers, clients, seconds, go, results) -> None:
    go.wait()
    results.put(asyncio.run(_poll(base, headers, clients, seconds)))


async def _poll(base: str, headers: dict, clients: int, seconds: float) -> dict:
    import httpx

    samples: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal errors
        tick = time.monotonic() + random.random()  # spread over the second, as screens are
        while tick < deadline:
            await asyncio.sleep(max(0.0, tick - time.monotonic()))
            started = time.perf_counter()
            response = await http.get(f"{base}/api/v1/incidents", params={"limit": 100})
            samples.append(time.perf_counter() - started)
            errors += response.status_code != 200
            tick += 1.0  # open loop: once a second whatever the last answer took

    async with httpx.AsyncClient(timeout=60, headers=headers, limits=limits) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    return {"latency_ms": np.array(samples) * 1000, "errors": errors}


class Gauges:
    """CPU of the API process and of PostgreSQL, and pg_stat_database, between two points."""

    FIELDS = ("xact_commit", "tup_returned", "tup_fetched", "blocks")

    def __init__(self, owner, server_pid: int, pgdata: Path) -> None:
        self.owner, self.server_pid, self.pgdata = owner, server_pid, pgdata

    def _sample(self) -> tuple[float, float, dict, float]:
        from sqlalchemy import text

        time.sleep(1.2)  # backends report their statistics at most once a second
        with self.owner.connect() as conn:
            row = conn.execute(text(
                "SELECT xact_commit, tup_returned, tup_fetched, blks_hit + blks_read AS blocks "
                "FROM pg_stat_database WHERE datname = current_database()")).mappings().one()  # fmt: skip
        return _cpu(self.server_pid), _postgres_cpu(self.pgdata), dict(row), time.monotonic()

    def start(self) -> None:
        self._first = self._sample()

    def stop(self, events: int) -> dict:
        api0, pg0, db0, t0 = self._first
        api1, pg1, db1, t1 = self._sample()
        return {"events": events, "api_cpu_s": api1 - api0, "pg_cpu_s": pg1 - pg0,
                "wall_s": t1 - t0, **{k: db1[k] - db0[k] for k in self.FIELDS}}  # fmt: skip


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _postgres_cpu(pgdata: Path) -> float:
    """The postmaster's and its children's CPU time (backends that ended are not counted)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    total = _cpu(postmaster)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == postmaster:
                    total += (int(fields[11]) + int(fields[12])) / TICK
            except (OSError, IndexError):
                continue
    return total


def _report(rows, stream: dict, polls: dict, args) -> None:
    print(f"\n{'phase':<22}{'events':>8}{'API CPU s':>11}{'ms/event':>10}{'PG CPU s':>10}"
          f"{'xacts':>9}{'tup ret':>12}{'tup fetch':>11}{'blocks':>10}")  # fmt: skip
    for name, _, load in rows:
        print(f"{name:<22}{load['events']:>8}{load['api_cpu_s']:>11.2f}"
              f"{1000 * load['api_cpu_s'] / max(load['events'], 1):>10.3f}{load['pg_cpu_s']:>10.2f}"
              f"{load['xact_commit']:>9}{load['tup_returned']:>12}{load['tup_fetched']:>11}"
              f"{load['blocks']:>10}")  # fmt: skip
    ms = stream["latency_ms"]
    per_delivery = rows[1][2]["api_cpu_s"] / max(stream["delivered"], 1) * 1e6
    print(
        f"\nstream: {stream['clients']} clients, {stream['published']} events published, "
        f"{stream['delivered']:,} delivered ({per_delivery:.0f} us of API CPU each)"
    )
    print(
        f"  commit -> client: p50 {np.percentile(ms, 50):.1f} ms, p99 {np.percentile(ms, 99):.1f} ms, "
        f"max {ms.max():.1f} ms; lost {stream['lost']}, repeated {stream['repeated']}"
    )
    pm = polls["latency_ms"]
    print(
        f"poll: {len(pm)} requests of GET /api/v1/incidents?limit=100, {polls['errors']} errors; "
        f"p50 {np.percentile(pm, 50):.1f} ms, p99 {np.percentile(pm, 99):.1f} ms, max {pm.max():.1f} ms"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(base: str, timeout_s: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start; see its log")


if __name__ == "__main__":
    main()

"""Tile serving: wangge against tipg and against the database's own rate, in one run.

Both servers serve the same PostGIS tables (a Luqiao city scaled to ~200,000
buildings and 1,000,000 incidents) to `wrk` with 32 connections, at zooms 12,
14 and 16, for buildings and incidents. The ceiling is the same tile SQL run
over a small psycopg pool with no HTTP; for buildings, the plain ST_AsMVTGeom SQL
their fast path replaces is timed too ("plain"). Then the drill-down API's latency on
the Luqiao sample at scale 1. It installs what it needs (a venv with tipg,
Debian's wrk) and keeps its databases in .wangge-bench/ between runs.

    .venv/bin/python bench/bench_tiles.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import mapbox_vector_tile
import morecantile
import psycopg
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.auth import header  # noqa: E402
from gis.db.embedded import EmbeddedCluster  # noqa: E402
from gis.db.migrate import upgrade  # noqa: E402
from gis.settings import DatabaseSettings  # noqa: E402
from tiles.layers import sql_text  # noqa: E402
from tiles.mvt import pyformat, tile_query, tile_sql  # noqa: E402

DATA = ROOT / ".wangge-bench"
TIPG = ROOT / "bench" / ".venv-tipg"
TMS = morecantile.tms.get("WebMercatorQuad")
LAYERS = {  # wangge layer: (tipg collection, the same attributes)
    "buildings": ("public.building", "code,address,levels,kind,households"),
    "incidents": ("public.incident", "code,category,status,urgency,source,reported_at"),
}
# Layers whose tile SQL has a fast path, and the plain ST_AsMVTGeom SQL it must match:
# the "database alone" figure, beside the faster SQL wangge serves.
REFERENCE = {"buildings": "buildings_reference.sql"}
LUA = """
local urls = {}
for line in io.lines(os.getenv("URLS")) do urls[#urls + 1] = line end
local i = 0
setup = function(thread) thread:set("offset", math.random(#urls)) end
init = function() i = tonumber(offset) or 0 end
request = function() i = i % #urls + 1; return wrk.format("GET", urls[i]) end
response = function(status) if status >= 400 and not reported then reported = true; io.stderr:write("HTTP " .. status .. " for " .. urls[i] .. "\\n") end end
"""


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- data -------------------------------------------------------------------------


def databases(quick: bool) -> tuple[str, str]:
    """URLs of the tile city and of the Luqiao sample, built once and kept."""
    cluster = EmbeddedCluster(DATA)
    cluster.up()
    admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    urls = {}
    for name in ("tilebench", "luqiao"):
        with admin.connect() as conn:
            if not conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        urls[name] = cluster.url(name)
        upgrade(create_engine(urls[name]))
    _fill_tile_city(urls["tilebench"], quick)
    _fill_luqiao(urls["luqiao"])
    return urls["tilebench"], urls["luqiao"]


def _count(url: str, table: str) -> int:
    with create_engine(url).connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()


def _fill_tile_city(url: str, quick: bool) -> None:
    scale, incidents = (0.5, 100_000) if quick else (3.4, 1_000_000)
    if _count(url, "incident") < incidents * 0.99:
        _build_tile_city(url, scale, incidents)
    # Steady state, as autovacuum keeps it: statistics and a current visibility map
    # (a migration that rewrites a table resets both).
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE building, incident")


def _build_tile_city(url: str, scale: float, incidents: int) -> None:
    from gis.load import load_frame
    from gis.synth import generate_city

    say(f"building the tile city (scale {scale}, {incidents:,} incidents): once, then kept")
    city = generate_city("331004", seed=1, scale=scale, incident_scale=incidents / 30_000)
    engine = create_engine(url)
    for kind in ("areas", "buildings", "incidents"):
        t0 = time.perf_counter()
        frame = getattr(city, kind).drop(columns=["community_code"], errors="ignore")
        load_frame(engine, kind, frame, source=f"tile city {kind}")
        say(f"  loaded {len(frame):,} {kind} in {time.perf_counter() - t0:.0f} s")


def _fill_luqiao(url: str) -> None:
    from gis.load.sample import build_sample, sample_loaded

    if sample_loaded(create_engine(url), "331004"):
        return
    say("loading the Luqiao sample at scale 1 for the drill-down API: once, then kept")
    settings = DatabaseSettings(database_url=url, secret_key="bench", data_dir=DATA)
    build_sample(create_engine(url), settings, scale=1.0, say=say)


# -- tiles and servers -------------------------------------------------------------


def pick_tiles(url: str, z: int, n: int, seed: int = 0) -> list[tuple[int, int, int]]:
    """``n`` tiles where the buildings are, drawn in proportion to their density."""
    with create_engine(url).connect() as conn:
        points = conn.execute(
            text(
                "SELECT ST_X(ST_Centroid(geom)), ST_Y(ST_Centroid(geom)) FROM building "
                "TABLESAMPLE SYSTEM (10) REPEATABLE (:seed) LIMIT 20000"
            ),
            {"seed": seed},
        ).all()
    rng = random.Random(seed)
    rng.shuffle(points)
    tiles: list[tuple[int, int, int]] = []
    for lon, lat in points:
        t = TMS.tile(lon, lat, z)
        if (t.z, t.x, t.y) not in tiles:
            tiles.append((t.z, t.x, t.y))
        if len(tiles) == n:
            break
    return tiles


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen:
    """Start a server; its log goes to .wangge-bench/logs/ (a full pipe would stall it)."""
    log = DATA / "logs" / f"{Path(cmd[0]).parent.parent.name}-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=out)
    proc.log = log
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                pass
            subprocess.run(
                ["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{port}{probe}"], check=True
            )
            return proc
        except (OSError, subprocess.CalledProcessError):
            if proc.poll() is not None:
                raise SystemExit(f"server failed: {cmd}\n{log.read_text()[-2000:]}") from None
            time.sleep(0.5)
    proc.kill()
    raise SystemExit(f"server did not start: {' '.join(cmd)}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    if "Traceback" in (text := proc.log.read_text()):
        say(f"server errors, see {proc.log}:\n{text[text.index('Traceback') :][:1500]}")


def ensure_tools() -> None:
    if not shutil.which("wrk"):
        say("installing wrk (apt)")
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    # Both servers run uvicorn[standard]: with plain h11 and several workers, every
    # response stalls 40 ms (Nagle against delayed ACKs), which would measure nothing.
    if not (TIPG / "bin" / "uvicorn").exists() or not list(
        TIPG.glob("lib/*/site-packages/httptools")
    ):
        say("installing tipg and uvicorn[standard] into bench/.venv-tipg")
        subprocess.run([sys.executable, "-m", "venv", str(TIPG)], check=True)
        subprocess.run([str(TIPG / "bin" / "pip"), "install", "-q", "tipg", "uvicorn[standard]"],
                       check=True)  # fmt: skip


AUTH: list[str] = []  # wangge's Authorization header, once its database is there


def wrk(urls: list[str], seconds: int, connections: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        paths = [re.sub(r"^https?://[^/]+", "", u) for u in urls]  # wrk sends paths
        (Path(tmp) / "urls.txt").write_text("\n".join(paths) + "\n")
        (Path(tmp) / "urls.lua").write_text(LUA)
        proc = subprocess.run(
            # A 30 s timeout: at wrk's default 2 s the slowest answers would be dropped from
            # the latencies as timeouts, and the p99 of a heavy zoom would be censored.
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
             *(["-H", AUTH[0]] if AUTH and "/collections/" not in urls[0] else []),
             "-s", f"{tmp}/urls.lua", urls[0]],
            env={**os.environ, "URLS": f"{tmp}/urls.txt"}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        if proc.stderr.strip():
            say(proc.stderr.strip().splitlines()[0])
        out = proc.stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        result[f"p{pct}"] = float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    result["errors"] = (int(bad.group(1)) if bad else 0) + (
        int(timeouts.group(1)) if timeouts else 0
    )
    return result


def db_ceiling(
    url: str, layer: str, tiles: list, seconds: float, workers: int = 2, sql: str | None = None
) -> float:
    """Tiles per second from the tile SQL alone (or ``sql``), over ``workers`` connections."""
    done, stop = [0] * workers, time.monotonic() + seconds
    libpq = url.replace("+psycopg", "")

    def work(i: int) -> None:
        with psycopg.connect(libpq) as conn:
            k = i
            while time.monotonic() < stop:
                q = tile_query(layer, *tiles[k % len(tiles)])
                statement = sql_text(sql) if sql else tile_sql(q.layer, q.clustered)
                conn.execute(pyformat(statement), q.params(), binary=True).fetchone()
                done[i] += 1
                k += workers

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / seconds


def features(url: str) -> int:
    auth = ["-H", AUTH[0]] if AUTH and "/collections/" not in url else []
    with subprocess.Popen(["curl", "-s", *auth, url], stdout=subprocess.PIPE) as p:
        data = p.stdout.read()
    layers = mapbox_vector_tile.decode(data) if data else {}
    return sum(
        int(f["properties"].get("count", 1)) for layer in layers.values() for f in layer["features"]
    )


# -- the run ----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small city, short runs")
    parser.add_argument("--seconds", type=int, default=None, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--tiles", type=int, default=150, help="distinct tiles per zoom")
    parser.add_argument("--zooms", default="12,14,16", help="comma-separated zooms")
    parser.add_argument("--layers", default="buildings,incidents", help="comma-separated layers")
    args = parser.parse_args()
    seconds = args.seconds or (3 if args.quick else 10)
    ensure_tools()
    tile_url, luqiao_url = databases(args.quick)
    counts = {t: _count(tile_url, t) for t in ("building", "incident")}
    say(f"tile city: {counts['building']:,} buildings, {counts['incident']:,} incidents")

    wport, cport, tport = free_port(), free_port(), free_port()
    uvicorn = str(ROOT / ".venv" / "bin" / "uvicorn")
    common = ["--host", "127.0.0.1", "--workers", "2", "--log-level", "warning"]
    env = {"WANGGE_DATABASE_URL": tile_url, "WANGGE_SECRET_KEY": "bench"}
    AUTH[:] = [f"Authorization: {header(tile_url)['Authorization']}"]
    servers = {
        "wangge": start([uvicorn, "api.app:create_app", "--factory", "--port", str(wport), *common],
                        {**env, "WANGGE_TILES_CACHE_MB": "0"}, wport, "/healthz"),
        "wangge+cache": start([uvicorn, "api.app:create_app", "--factory", "--port", str(cport), *common],
                              {**env, "WANGGE_TILES_CACHE_MB": "256"}, cport, "/healthz"),
        "tipg": start([str(TIPG / "bin" / "uvicorn"), "tipg.main:app", "--port", str(tport), *common],
                      {"DATABASE_URL": tile_url.replace("+psycopg", ""),
                       "TIPG_DB_TABLES": '["public.building","public.incident"]'}, tport, "/collections"),
    }  # fmt: skip
    try:
        rows = []
        for layer, (collection, props) in LAYERS.items():
            if layer not in args.layers.split(","):
                continue
            for z in (int(v) for v in args.zooms.split(",")):
                tiles = pick_tiles(tile_url, z, args.tiles)
                paths = {
                    "wangge": [f"http://127.0.0.1:{wport}/tiles/{layer}/{z}/{x}/{y}.mvt" for _, x, y in tiles],
                    "wangge+cache": [f"http://127.0.0.1:{cport}/tiles/{layer}/{z}/{x}/{y}.mvt" for _, x, y in tiles],
                    "tipg": [f"http://127.0.0.1:{tport}/collections/{collection}/tiles/WebMercatorQuad/{z}/{x}/{y}?properties={props}" for _, x, y in tiles],
                }  # fmt: skip
                row = {"layer": layer, "z": z}
                for name, urls in paths.items():
                    wrk(urls[:20], 1, args.connections)  # warm up connections and caches
                    row[name] = wrk(urls, seconds, args.connections)
                row["db"] = db_ceiling(tile_url, layer, tiles, seconds)
                if layer in REFERENCE and not tile_query(layer, *tiles[0]).clustered:
                    row["plain"] = db_ceiling(tile_url, layer, tiles, seconds, sql=REFERENCE[layer])
                densest = max(tiles[:30], key=lambda t: features(paths["wangge"][tiles.index(t)]))
                i = tiles.index(densest)
                row["features"] = (features(paths["wangge"][i]), features(paths["tipg"][i]))
                rows.append(row)
                _print_row(row)
        drill = {c: drilldown(luqiao_url, seconds, c) for c in sorted({4, 16, args.connections})}
    finally:
        for proc in servers.values():
            stop(proc)
    _summary(rows, drill, counts)


def drilldown(url: str, seconds: int, connections: int) -> dict[str, float]:
    with create_engine(url).connect() as conn:
        areas = (
            conn.execute(text("SELECT code FROM area ORDER BY random() LIMIT 60")).scalars().all()
        )
        buildings = (
            conn.execute(
                text("SELECT code FROM building WHERE households > 0 ORDER BY random() LIMIT 60")
            )
            .scalars()
            .all()
        )
        households = (
            conn.execute(text("SELECT code FROM household ORDER BY random() LIMIT 60"))
            .scalars()
            .all()
        )
    AUTH[:] = [f"Authorization: {header(url)['Authorization']}"]
    port = free_port()
    proc = start([str(ROOT / ".venv" / "bin" / "uvicorn"), "api.app:create_app", "--factory", "--port", str(port),
                  "--host", "127.0.0.1", "--workers", "2", "--log-level", "warning"],
                 {"WANGGE_DATABASE_URL": url, "WANGGE_SECRET_KEY": "bench"}, port, "/healthz")  # fmt: skip
    base = f"http://127.0.0.1:{port}/api/v1"
    urls = [f"{base}/areas/{c}" for c in ["331004000000", *areas]]
    urls += [f"{base}/buildings/{c}" for c in buildings] + [
        f"{base}/households/{c}" for c in households
    ]
    urls += [f"{base}/buildings?community={c}&limit=50" for c in areas if not c.endswith("000")]
    random.Random(0).shuffle(urls)
    try:
        wrk(urls[:20], 1, connections)
        return wrk(urls, seconds, connections)
    finally:
        stop(proc)


def _print_row(row: dict) -> None:
    cells = [f"{row['layer']:<9} z{row['z']:<3}"]
    for name in ("wangge", "wangge+cache", "tipg"):
        r = row[name]
        cells.append(
            f"{name} {r['rps']:7.0f}/s p50 {r['p50']:6.1f} p99 {r['p99']:6.1f} ms err {r['errors']}"
        )
    cells.append(f"db {row['db']:7.0f}/s")
    if "plain" in row:
        cells.append(f"plain db {row['plain']:7.0f}/s")
    print(" | ".join(cells), flush=True)


def _summary(rows: list[dict], drill: dict[int, dict], counts: dict) -> None:
    print(f"\ncity: {counts['building']:,} buildings, {counts['incident']:,} incidents; "
          "32 connections; wangge and tipg each 2 uvicorn workers")  # fmt: skip
    print(f"{'layer':<10}{'zoom':>5}{'wangge/s':>10}{'tipg/s':>8}{'x tipg':>8}{'db/s':>8}"
          f"{'% db':>7}{'plain/s':>9}{'% plain':>9}{'p99 w':>8}{'p99 t':>8}{'cache/s':>9}"
          f"{'feat w/t (densest)':>20}")  # fmt: skip
    for r in rows:
        w, t, c = r["wangge"], r["tipg"], r["wangge+cache"]
        print(f"{r['layer']:<10}{r['z']:>5}{w['rps']:>10.0f}{t['rps']:>8.0f}{w['rps'] / t['rps']:>8.2f}"
              f"{r['db']:>8.0f}{100 * w['rps'] / r['db']:>6.0f}%{_plain(r, w)}{w['p99']:>8.1f}{t['p99']:>8.1f}"
              f"{c['rps']:>9.0f}{r['features'][0]:>10,}/{r['features'][1]:,}")  # fmt: skip
    print()
    for connections, d in drill.items():
        print(
            f"drill-down API on the Luqiao sample (scale 1), {connections} connections: "
            f"{d['rps']:.0f} req/s, p50 {d['p50']:.1f} ms, p99 {d['p99']:.1f} ms, "
            f"errors {d['errors']}"
        )


def _plain(row: dict, w: dict) -> str:
    if "plain" not in row:
        return f"{'-':>9}{'-':>9}"
    return f"{row['plain']:>9.0f}{100 * w['rps'] / row['plain']:>8.0f}%"


if __name__ == "__main__":
    main()

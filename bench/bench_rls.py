"""What row-level security costs: the API's reads as the owner (no policies, the peer)
and as the API's role ``wangge_api`` under the policies of migration 0011, for a user
with no scope, one scoped to a street, one to a community and a grid worker.

    .venv/bin/python bench/bench_rls.py                # the Luqiao sample (make demo's database)
    .venv/bin/python bench/bench_rls.py --repeat 500

Each read is the API's own statement (gis/places/sql, tiles/), run ``--repeat`` times
over random targets inside the scoped user's area, one connection, nothing else
running. The connection checkout that names the user (one ``set_config``) is timed
separately: it is paid once per request, not per statement.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import morecantile
import numpy as np
from sqlalchemy import Connection, Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis.accounts.hashing import digest  # noqa: E402
from gis.db.api_role import name_users, request_credential  # noqa: E402
from gis.db.engine import database_url, make_api_engine  # noqa: E402
from gis.db.statements import query  # noqa: E402
from gis.settings import DatabaseSettings  # noqa: E402
from tiles.mvt import tile_query, tile_sql  # noqa: E402

TMS = morecantile.tms.get("WebMercatorQuad")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=300, help="runs of each read per user")
    parser.add_argument("--no-demo", action="store_true", help="use the database as it is")
    args = parser.parse_args()
    if not args.no_demo:
        subprocess.run([str(ROOT / ".venv/bin/wangge"), "demo", "--no-serve"], check=True, cwd=ROOT)
    settings = DatabaseSettings()
    owner = create_engine(database_url(settings))
    api = make_api_engine(settings)
    name_users(api)
    facts = _facts(owner)
    users = _users(owner, facts)
    reads = _reads(facts, random.Random(0), args.repeat)
    print(f"\nrow-level security, {args.repeat} runs per read, p50 / p99 ms")
    print(f"{'read':<26}" + "".join(f"{who:>22}" for who in ["owner (peer)", *users]))
    for name, (make_params, sql) in reads.items():
        cells = [_time(owner, None, sql, make_params, args.repeat)]
        cells += [_time(api, uid, sql, make_params, args.repeat) for uid in users.values()]
        print(f"{name:<26}" + "".join(f"{c[0]:>11.2f} /{c[1]:>8.2f}" for c in cells))
    checkout = _checkout_ms(api, next(iter(users.values())), args.repeat)
    print(f"\nnaming the user on checkout (set_config + commit): {checkout:.2f} ms per request")
    print(f"seen by each user: {_seen(api, users)}")


def _facts(owner: Engine) -> dict:
    with owner.connect() as conn:
        street, community = conn.execute(
            text(
                "SELECT s.code, c.code FROM area c JOIN area s ON s.id = c.parent_id "
                "WHERE c.level = 'community' ORDER BY (SELECT count(*) FROM building b "
                "WHERE b.community_id = c.id) DESC LIMIT 1"
            )
        ).one()
        grid = conn.execute(
            text(
                "SELECT g.code FROM grid g JOIN grid_plan p ON p.id = g.plan_id "
                "AND p.status = 'published' JOIN area c ON c.id = g.community_id "
                "WHERE c.code = :c ORDER BY g.households DESC LIMIT 1"
            ),
            {"c": community},
        ).scalar()
        households = (
            conn.execute(
                text(
                    "SELECT h.code FROM household h JOIN building b ON b.id = h.building_id "
                    "JOIN area c ON c.id = b.community_id WHERE c.code = :c"
                ),
                {"c": community},
            )
            .scalars()
            .all()
        )
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM area "
                "WHERE code = :c) s"
            ),
            {"c": community},
        ).one()
    return {"street": street, "community": community, "grid": grid,
            "households": households, "lon": lon, "lat": lat}  # fmt: skip


def _users(owner: Engine, facts: dict) -> dict[str, str]:
    """label -> the credential (SHA-256 of a fresh token) the API would name."""
    from gis.accounts import create_user, issue_token

    wanted = {"api, no scope": ("admin", None), "api, street": ("admin", facts["street"]),
              "api, community": ("admin", facts["community"])}  # fmt: skip
    if facts["grid"]:
        wanted["api, grid worker"] = ("grid_worker", facts["grid"])
    users = {}
    with owner.begin() as conn:
        for label, (role, scope) in wanted.items():
            name = f"bench-rls-{role}-{scope or 'all'}"
            found = conn.execute(text("SELECT id FROM user_account WHERE name = :n"), {"n": name})
            if found.scalar() is None:
                create_user(conn, name, role, scope=scope)
            users[label] = digest(issue_token(conn, name, days=1))
    return users


def _reads(facts: dict, rng: random.Random, n: int) -> dict[str, tuple[Callable[[], dict], str]]:
    homes = facts["households"]
    detail = str(query("gis.places", "households", "detail"))
    buildings_tile = {}
    for z in (14, 16):
        t = TMS.tile(facts["lon"], facts["lat"], z)
        q = tile_query("buildings", t.z, t.x, t.y)
        buildings_tile[z] = (q.params, tile_sql(q.layer, q.clustered))
    return {
        "household by code": (lambda: {"code": rng.choice(homes)}, detail),
        "households, whole table": (dict, "SELECT count(*) FROM household"),
        "buildings tile z14": buildings_tile[14],
        "buildings tile z16": buildings_tile[16],
    }


def _time(engine: Engine, user: str | None, sql: str, params: Callable[[], dict], n: int):
    token = request_credential.set(user)
    try:
        with engine.connect() as conn:
            statement = text(sql)
            conn.execute(statement, params()).all()  # plan and cache once
            took = []
            for _ in range(n):
                started = time.perf_counter()
                conn.execute(statement, params()).all()
                took.append((time.perf_counter() - started) * 1000)
            conn.rollback()
    finally:
        request_credential.reset(token)
    return float(np.percentile(took, 50)), float(np.percentile(took, 99))


def _checkout_ms(engine: Engine, user: str, n: int) -> float:
    token = request_credential.set(user)
    try:
        took = []
        for _ in range(n):
            started = time.perf_counter()
            with engine.connect():
                pass
            took.append((time.perf_counter() - started) * 1000)
    finally:
        request_credential.reset(token)
    return statistics.median(took)


def _seen(engine: Engine, users: dict[str, str]) -> str:
    counts = []
    for label, uid in users.items():
        token = request_credential.set(uid)
        try:
            with engine.connect() as conn:
                n = _count(conn)
        finally:
            request_credential.reset(token)
        counts.append(f"{label}: {n:,} households")
    return "; ".join(counts)


def _count(conn: Connection) -> int:
    return conn.execute(text("SELECT count(*) FROM household")).scalar_one()


if __name__ == "__main__":
    main()

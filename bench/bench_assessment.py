"""The grid assessment over a district's year: every figure of every grid, community,
street and worker, its trend, and its exports, timed on the Luqiao sample.

    .venv/bin/python bench/bench_assessment.py                     # a year, 30 days of tracks
    .venv/bin/python bench/bench_assessment.py --scale 0.05 --incidents 1.0 --repeat 5

It starts a PostgreSQL of its own (a throwaway embedded cluster under /tmp), loads the
sample city (households, buildings, cameras at --scale, a year of incidents at
--incidents), publishes its grid plan, and gives every incident a handling history set
by set: accepted after 0.1–4 h, resolved after 1–72 h (85 %), a tenth of those reopened
and resolved again, verified and closed; a call-back on 30 % of the handled. Each grid
gets a worker with a track of a position every 2 minutes for 8 hours a day over the
last --days days. Then each call is timed --repeat times (best and median), as the owner
and as the API's role (row-level security, a user with no scope). The peer of the patrol
hours kept per day (worker_patrol_day) is pairing the positions again in the statement,
as a first design did.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gis.assessment import assessment, period, to_csv, to_xlsx, trend  # noqa: E402
from gis.db.api_role import act_as  # noqa: E402
from gis.db.embedded import EmbeddedCluster  # noqa: E402
from gis.db.migrate import upgrade  # noqa: E402
from gis.settings import DatabaseSettings  # noqa: E402

CST = ZoneInfo("Asia/Shanghai")
DISTRICT = "331004000000"

HISTORY = """
WITH timed AS (
    SELECT i.id, i.reported_at,
           i.reported_at + make_interval(secs => 360 + random() * 14040) AS accepted_at,
           CASE WHEN random() < 0.85
                THEN i.reported_at + make_interval(secs => 3600 + random() * 255600) END
               AS resolved_at,
           random() < 0.1 AS reopens
    FROM incident i
), events AS (
    SELECT id, NULL::incident_status AS f, 'reported'::incident_status AS t, 'reported' AS a,
           reported_at AS at FROM timed
    UNION ALL SELECT id, 'reported', 'accepted', 'accepted', accepted_at FROM timed
    UNION ALL SELECT id, 'accepted', 'resolved', 'resolved',
                     greatest(resolved_at, accepted_at + interval '1 minute')
              FROM timed WHERE resolved_at IS NOT NULL
    UNION ALL SELECT id, 'resolved', 'accepted', 'reopened',
                     greatest(resolved_at, accepted_at) + interval '2 hours'
              FROM timed WHERE resolved_at IS NOT NULL AND reopens
    UNION ALL SELECT id, 'accepted', 'resolved', 'resolved',
                     greatest(resolved_at, accepted_at) + interval '20 hours'
              FROM timed WHERE resolved_at IS NOT NULL AND reopens
)
INSERT INTO incident_event (incident_id, from_status, to_status, actor, at, action)
SELECT id, f, t, 'bench', at, a FROM events;

UPDATE incident i SET status = CASE
    WHEN e.resolved THEN (CASE WHEN random() < 0.5 THEN 'closed' ELSE 'verified' END)::incident_status
    ELSE 'accepted'::incident_status END
FROM (SELECT incident_id, bool_or(action = 'resolved') AS resolved FROM incident_event
      GROUP BY incident_id) e
WHERE e.incident_id = i.id;

INSERT INTO incident_feedback (incident_id, satisfaction, recorded_by)
SELECT id, 1 + floor(random() * 5)::int, 'bench' FROM incident
WHERE status IN ('verified', 'closed') AND random() < 0.3;

INSERT INTO worker (code, name, role, community_id, grid_id)
SELECT 'BW' || g.id, '网格员' || g.id, 'grid_worker', g.community_id, g.id
FROM grid g JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
WHERE NOT EXISTS (SELECT 1 FROM worker w WHERE w.grid_id = g.id);
"""

TRACKS = """
INSERT INTO worker_position (worker_id, at, geom)
SELECT w.id, d + make_interval(mins => 8 * 60 + 2 * k), ST_PointOnSurface(g.geom)
FROM worker w
JOIN grid g ON g.id = w.grid_id
CROSS JOIN generate_series(CAST(:first AS timestamptz), CAST(:last AS timestamptz),
                           interval '1 day') AS d
CROSS JOIN generate_series(0, 239) AS k
ON CONFLICT DO NOTHING;
"""


# Patrol seconds per worker over the tracks, pairing every position with the one before.
PAIRING = """
SELECT worker_id, sum(extract(epoch FROM gap)) FILTER (WHERE gap <= interval '10 minutes')
FROM (SELECT worker_id, at - lag(at) OVER (PARTITION BY worker_id,
             (at AT TIME ZONE 'Asia/Shanghai')::date ORDER BY at) AS gap
      FROM worker_position) g
GROUP BY worker_id
"""
KEPT = "SELECT worker_id, sum(seconds) FROM worker_patrol_day GROUP BY worker_id"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="households and cameras")
    parser.add_argument("--incidents", type=float, default=1.0, help="incidents' scale")
    parser.add_argument("--days", type=int, default=30, help="days of workers' tracks")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wangge-bench-", dir="/tmp"))
    root.chmod(0o755)  # the cluster runs as `postgres`, which must enter it
    cluster = EmbeddedCluster(root / "db", ephemeral=True)
    cluster.up()
    try:
        owner = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
        with owner.connect() as conn:
            conn.execute(text("CREATE DATABASE bench_assessment"))
        owner.dispose()
        engine = create_engine(cluster.url("bench_assessment"))
        _load(engine, args)
        _run(engine, args.repeat)
    finally:
        cluster.destroy()
        root.rmdir()


def _load(engine: Engine, args) -> None:
    from gis.load.sample import load_city, publish_sample_plan
    from gis.synth import generate_city

    started = time.perf_counter()
    upgrade(engine)
    settings = DatabaseSettings(database_url=str(engine.url.render_as_string(False)),
                                secret_key="bench-assessment")  # fmt: skip
    city = generate_city("331004", seed=7, scale=args.scale, incident_scale=args.incidents)
    load_city(engine, settings, city, say=lambda _: None)
    publish_sample_plan(engine, "331004", say=lambda _: None)
    with engine.begin() as conn:
        conn.execute(text("SELECT setseed(0.7)"))
        for statement in HISTORY.split(";\n"):
            if statement.strip():
                conn.execute(text(statement))
        last = conn.execute(text("SELECT max(reported_at) FROM incident")).scalar()
        first = last - timedelta(days=args.days - 1)
        day = {"first": first.astimezone(CST).replace(hour=0, minute=0, second=0, microsecond=0),
               "last": last.astimezone(CST).replace(hour=0, minute=0, second=0, microsecond=0)}  # fmt: skip
        conn.execute(text(TRACKS), day)
        counts = conn.execute(text(
            "SELECT (SELECT count(*) FROM incident), (SELECT count(*) FROM incident_event), "
            "(SELECT count(*) FROM incident_feedback), (SELECT count(*) FROM worker), "
            "(SELECT count(*) FROM worker_position), (SELECT count(*) FROM grid g JOIN grid_plan p "
            "ON p.id = g.plan_id AND p.status = 'published')"
        )).one()  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    print(f"loaded in {time.perf_counter() - started:.0f} s: {counts[0]:,} incidents, "
          f"{counts[1]:,} events, {counts[2]:,} call-backs, {counts[3]:,} workers, "
          f"{counts[4]:,} positions, {counts[5]:,} grids")  # fmt: skip


def _run(engine: Engine, repeat: int) -> None:
    from gis.accounts import create_user

    with engine.begin() as conn:
        last = conn.execute(text("SELECT max(reported_at) FROM incident")).scalar()
        user, _ = create_user(conn, "bench-admin", "admin")
    end = datetime.combine(
        last.astimezone(CST).date() + timedelta(days=1), datetime.min.time(), CST
    )
    spans = {"year": end - timedelta(days=365), "month": end - timedelta(days=30)}
    print(f"\n{'call':<34}{'owner best / median ms':>24}{'API role best / median ms':>28}")
    for span, start in spans.items():
        for by in ("grid", "community", "street", "worker"):
            for name, fn in (("assessment", assessment), ("trend", trend)):
                cells = [_time(engine, fn, start, end, by, repeat, as_user)
                         for as_user in (None, user.id)]  # fmt: skip
                print(
                    f"{f'{name} by {by}, a {span}':<34}"
                    + "".join(f"{b:>14.0f} /{m:>8.0f}" + " " * 4 for b, m in cells)
                )
    for name, sql in (
        ("patrol, pairing positions (peer)", PAIRING),
        ("patrol, kept per day", KEPT),
    ):
        took = []
        for _ in range(repeat):
            with engine.connect() as conn:
                started = time.perf_counter()
                kept = dict(conn.execute(text(sql)).all())
                took.append((time.perf_counter() - started) * 1000)
        print(f"{name:<34}{min(took):>14.0f} /{statistics.median(took):>8.0f}")
        if name.endswith("(peer)"):
            paired = kept
    assert kept.keys() == paired.keys()
    assert all(abs(kept[k] - float(paired[k])) < 1e-6 for k in kept), "the two patrols differ"
    with engine.connect() as conn:
        answer = assessment(conn, period(conn, DISTRICT, spans["year"], end, "grid"))
    for name, fn in (("CSV", to_csv), ("Excel", to_xlsx)):
        took = []
        for _ in range(repeat):
            started = time.perf_counter()
            data = fn(answer)
            took.append((time.perf_counter() - started) * 1000)
        label = f"{name} of {len(answer['units']):,} grids"
        print(
            f"{label:<34}{min(took):>14.0f} /"
            f"{statistics.median(took):>8.0f}   ({len(data):,} bytes)"
        )


def _time(engine, fn, start, end, by, repeat, user_id) -> tuple[float, float]:
    took = []
    for _ in range(repeat):
        with engine.connect() as conn, conn.begin():
            if user_id is not None:
                act_as(conn, user_id)
            started = time.perf_counter()
            fn(conn, period(conn, DISTRICT, start, end, by))
            took.append((time.perf_counter() - started) * 1000)
    return min(took), statistics.median(took)


if __name__ == "__main__":
    main()

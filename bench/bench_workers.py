"""Grid workers on the Luqiao sample: seeding its workers, tracks and incident
histories; the nearest workers to incidents by road against straight line only; a
batch of 1,000 positions; a day's patrol per worker and a week's per grid.

    .venv/bin/python bench/bench_workers.py              # scale 0.05, 50 incidents
    .venv/bin/python bench/bench_workers.py --scale 0.2 --incidents 100

It starts a PostgreSQL of its own (a throwaway embedded cluster under /tmp), loads the
sample city at --scale, partitions and publishes its plan, and times each step as the
owner (no row-level security: the API's role adds its policies' cost on top).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="sample city scale")
    parser.add_argument("--incidents", type=int, default=50, help="nearest-worker queries")
    args = parser.parse_args()

    import numpy as np
    from sqlalchemy import text

    from bench.cluster import sample_cluster
    from gis.partition import Rules
    from gis.partition.publish import publish_plan
    from gis.partition.store import create_plan
    from gis.workers import Position, grid_patrol, nearest_workers, record_positions, worker_patrol
    from gis.workers.live import LOCAL_TIME, list_workers
    from gis.workers.sample import seed_sample_workers

    with sample_cluster("workers", args.scale) as (owner, *_):
        publish_plan(owner, create_plan(owner, "331004000000", name="bench", rules=Rules()),
                     published_by="bench")  # fmt: skip
        now = datetime.now(LOCAL_TIME).replace(hour=15, minute=0, second=0, microsecond=0)
        t0 = time.perf_counter()
        counts = seed_sample_workers(owner, seed=0, now=now, say=lambda _: None)
        print(f"seeding: {time.perf_counter() - t0:.1f} s for " + ", ".join(
            f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()))  # fmt: skip
        with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            # Every worker on duty now, where their track left them: the nearest search's case.
            conn.execute(text("UPDATE worker SET last_seen_at = now()"))
            roads = conn.execute(text("SELECT count(*) FROM road")).scalar_one()
            codes = conn.execute(text(
                "SELECT code FROM incident ORDER BY random() LIMIT :n"), {"n": args.incidents}
            ).scalars().all()  # fmt: skip
            road, straight, methods = [], [], []
            for code in codes:
                t = time.perf_counter()
                answer = nearest_workers(conn, code, limit=5)
                road.append(time.perf_counter() - t)
                methods += [w["method"] for w in answer["workers"]]
                t = time.perf_counter()
                list_workers(conn, statuses=("available", "busy"))
                straight.append(time.perf_counter() - t)
            share = methods.count("road") / max(len(methods), 1)
            print(f"nearest 5 workers of {len(codes)} incidents ({roads:,} roads): {_ms(road)}; "
                  f"{share:.0%} of answers by road")  # fmt: skip
            print(f"  peer, straight line only (the workers' list the search starts from): "
                  f"{_ms(straight)}")  # fmt: skip
            worker = conn.execute(text(
                "SELECT w.code, ST_X(w.last_geom), ST_Y(w.last_geom) FROM worker w "
                "WHERE w.last_geom IS NOT NULL ORDER BY code LIMIT 1")).one()  # fmt: skip
            base = datetime.now(UTC) - timedelta(days=2)
            rng = np.random.default_rng(0)
            batch = [Position(base + timedelta(seconds=30 * i), worker[1] + rng.normal(0, 1e-4),
                              worker[2] + rng.normal(0, 1e-4), 8.0) for i in range(1000)]  # fmt: skip
            t = time.perf_counter()
            first = record_positions(conn, worker[0], batch, account_id=None, role="admin")
            once = time.perf_counter() - t
            t = time.perf_counter()
            again = record_positions(conn, worker[0], batch, account_id=None, role="admin")
            print(
                f"a batch of 1,000 positions: {once * 1000:.0f} ms ({first['new']} new); "
                f"sent again {(time.perf_counter() - t) * 1000:.0f} ms ({again['new']} new)"
            )
            t = time.perf_counter()
            walked = worker_patrol(conn, now.date())
            print(
                f"a day's patrol of {len(walked):,} workers: {(time.perf_counter() - t) * 1000:.0f} ms"
            )
            t = time.perf_counter()
            grids = grid_patrol(conn, now.date(), days=7)
            unvisited = sum(not g["visited"] for g in grids)
            print(f"a week's patrol of {len(grids):,} grids: {(time.perf_counter() - t) * 1000:.0f} "
                  f"ms ({unvisited} not visited)")  # fmt: skip


if __name__ == "__main__":
    main()

"""The planner page's edit round trip: move, split and merge on one community's draft,
as the page sends them (POST with If-Match, through the whole app), timed to the answer
with the new counts, rules and report.

    .venv/bin/python bench/bench_planner.py              # scale 1.0, 100 rounds
    .venv/bin/python bench/bench_planner.py --scale 0.3 --rounds 30

It starts a PostgreSQL of its own (a throwaway embedded cluster under /tmp), loads the
Luqiao sample city at --scale, takes the community with the most households, makes a
draft of about --grids grids (bounds: households / (1.5 × grids) to households / (0.7 ×
grids)) and runs --rounds rounds of: move one boundary building to another grid of its
community, split the biggest grid in halves, merge the two grids the split made. It
prints the community's size and p50 / p99 / max per edit; the target is p99 < 150 ms
for about 3,000 households and 60 grids (issue 16). The page's redraw (reading the
plan, its report and buildings again) is timed too, as "reload".
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEY = "bench-planner-key"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="sample city scale")
    parser.add_argument("--grids", type=int, default=60, help="grids wanted in the community")
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()

    from fastapi.testclient import TestClient
    from sqlalchemy import create_engine, text

    from api.app import create_app
    from bench.auth import header
    from gis.db.embedded import EmbeddedCluster
    from gis.db.migrate import upgrade
    from gis.load.sample import load_city
    from gis.partition import Rules
    from gis.partition.store import create_plan
    from gis.settings import DatabaseSettings
    from gis.synth import generate_city

    root = Path(tempfile.mkdtemp(prefix="wangge-bench-planner-", dir="/tmp"))
    root.chmod(0o755)
    cluster = EmbeddedCluster(root / "db", ephemeral=True)
    try:
        url = cluster.up().url
        engine = create_engine(url)
        upgrade(engine)
        settings = DatabaseSettings(database_url=url, secret_key=KEY)
        load_city(engine, settings, generate_city("331004", seed=7, scale=args.scale),
                  say=lambda _: None)  # fmt: skip
        with engine.connect() as conn:
            community, households, buildings = conn.execute(text(
                """SELECT a.code, sum(b.households), count(*) FROM area a
                   JOIN building b ON b.community_id = a.id WHERE a.level = 'community'
                   GROUP BY a.code ORDER BY sum(b.households) DESC LIMIT 1"""
            )).one()  # fmt: skip
        rules = Rules(
            min_households=max(1, int(households / (1.5 * args.grids))),
            max_households=max(2, int(households / (0.7 * args.grids))),
        )
        plan = create_plan(engine, community, name="bench planner", rules=rules, seed=1)
        times: dict[str, list[float]] = {"move": [], "split": [], "merge": [], "reload": []}
        with TestClient(create_app(settings)) as client:
            client.headers.update(header(url, "admin"))
            base = f"/api/v1/plans/{plan}"
            tag = client.get(base).headers["etag"]

            def edit(kind: str, body: dict) -> dict:
                nonlocal tag
                start = time.perf_counter()
                answer = client.post(f"{base}/edits/{kind}", json=body, headers={"If-Match": tag})
                times[kind].append((time.perf_counter() - start) * 1000)
                assert answer.status_code == 200, answer.text
                tag = answer.headers["etag"]
                return answer.json()

            for _ in range(args.rounds):
                start = time.perf_counter()
                grids = client.get(base).json()["grids"]["features"]
                client.get(f"{base}/report")
                assigned = client.get(f"{base}/buildings").json()["features"]
                times["reload"].append((time.perf_counter() - start) * 1000)
                mine = [g["properties"]["code"] for g in grids]
                roomy = {g["properties"]["code"] for g in grids if g["properties"]["buildings"] > 2}
                movable = [f["properties"] for f in assigned if f["properties"]["grid"] in roomy]
                b = movable[_ % len(movable)]
                other = next(c for c in mine if c != b["grid"])
                edit("move", {"buildings": [b["code"]], "grid": other})
                edit("move", {"buildings": [b["code"]], "grid": b["grid"]})
                big = max(grids, key=lambda g: g["properties"]["buildings"])["properties"]["code"]
                split = edit("split", {"grid": big})
                made = sorted({g["code"] for g in split["grids_now"]} - set(mine))
                if made:
                    edit("merge", {"grids": [big, made[0]]})
            count = len(client.get(base).json()["grids"]["features"])
        print(f"community {community}: {households:,} households, {buildings:,} buildings, "
              f"{count} grids; {args.rounds} rounds")  # fmt: skip
        for kind, values in times.items():
            if values:
                print(f"  {kind:6} n={len(values):4}  p50 {statistics.median(values):7.1f} ms"
                      f"  p99 {pct(values, 0.99):7.1f} ms  max {max(values):7.1f} ms")  # fmt: skip
        engine.dispose()
    finally:
        cluster.down()


if __name__ == "__main__":
    main()

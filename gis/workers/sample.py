"""The sample city's grid workers, their day of patrol, and the handling history of its
incidents, written into the database once a plan is published (``wangge demo``).

Each grid of the published plan gets its 专职网格员 (``gis.synth.workers``), who walk the
roads of their grid from 08:30 to now (or to 17:30, or the whole of yesterday's day
before 08:30), one position a minute, silent over lunch; one in twenty stays home, so
that some grids go unvisited. Every loaded incident without a timeline gets one: reported,
then accepted, dispatched to its grid's worker, in progress, resolved, verified and
closed as far as its status says, at plausible times before now; each step is an action
the workflow table (``gis.incidents.workflow``) allows from the state before, so the
history is one the API could have written. Deterministic from ``seed`` and ``now``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pyproj
import shapely
from sqlalchemy import Connection, Engine

from gis.crs import local_metric_crs
from gis.db.statements import query
from gis.errors import SetupError
from gis.incidents.workflow import Case, apply
from gis.synth.workers import STEPS, compress_to, grid_workers, patrol_track, step_minutes
from gis.workers.live import LOCAL_TIME

Say = Callable[[str], None]
DAY = ((8, 30), (17, 30))  # the working day, local time
ABSENT = 0.05  # share of workers with no patrol today
CENTRE = "指挥中心"  # who accepts, dispatches and closes
REPORTERS = {"grid_worker": None, "hotline": "12345热线", "video": "视频巡查", "110": "110联动",
             "citizen": "市民"}  # fmt: skip


def _sql(name: str):
    return query("gis.workers", "sample", name)


def seed_sample_workers(
    engine: Engine, *, seed: int = 0, now: datetime | None = None, say: Say = print
) -> dict[str, int]:
    """Give the published grids that have none their workers and a day's tracks, and the
    incidents without a timeline their history; counts of what was added (nothing when
    no plan is published). Running it again adds nothing."""
    started = time.perf_counter()
    now = (now or datetime.now(LOCAL_TIME)).astimezone(LOCAL_TIME)
    rng = np.random.default_rng([seed, 15])
    with engine.begin() as conn:
        if not conn.execute(_sql("published")).scalar():
            say("no published grid plan: the sample has no grid workers yet")
            return {}
        grids = conn.execute(_sql("grids")).mappings().all()
        if not grids:
            say("every published grid has its workers already; keeping them")
            return {}
        workers = _add_workers(conn, grids, rng)
        positions = _patrol(conn, grids, workers, now, rng)
        events = _histories(conn, now, rng)
    counts = {"workers": len(workers["id"]), "positions": positions, "incident_events": events}
    say(f"sample grid workers in {time.perf_counter() - started:.1f} s: "
        + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in counts.items()))  # fmt: skip
    return counts


def _add_workers(conn: Connection, grids, rng: np.random.Generator) -> dict[str, np.ndarray]:
    codes = np.array([g["code"] for g in grids])
    made = grid_workers(codes, np.array([g["households"] for g in grids]), rng)
    params = {"codes": made["code"].tolist(), "names": made["name"].tolist(),
              "phones": made["phone_masked"].tolist(),
              "grids": [grids[i]["id"] for i in made["grid"]]}  # fmt: skip
    rows = conn.execute(_sql("add_workers"), params).all()
    ids = {code: id_ for id_, code, _ in rows}
    fresh = {code for _, code, new in rows if new}
    return {"id": np.array([ids[c] for c in made["code"]]), "grid": made["grid"],
            "fresh": np.array([c in fresh for c in made["code"]])}  # fmt: skip


def _window(now: datetime) -> tuple[datetime, datetime]:
    """The stretch of working day to patrol: today's so far, else yesterday's whole."""
    (h0, m0), (h1, m1) = DAY
    start = now.replace(hour=h0, minute=m0, second=0, microsecond=0)
    if now < start + timedelta(minutes=10):
        start -= timedelta(days=1)
    return start, min(now, start.replace(hour=h1, minute=m1))


def _patrol(conn: Connection, grids, workers: dict, now: datetime, rng) -> int:
    """Each worker's track along the roads of their grid, stored as positions."""
    outlines = shapely.from_wkb([g["wkb"] for g in grids])
    crs = local_metric_crs(tuple(shapely.total_bounds(outlines)))
    there = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    back = pyproj.Transformer.from_crs(crs, 4326, always_xy=True)
    index = {g["id"]: i for i, g in enumerate(grids)}
    roads: list[list] = [[] for _ in grids]
    ids = [g["id"] for g in grids]
    for grid_id, wkb in conn.execute(_sql("road_pieces"), {"ids": ids}).all():
        roads[index[grid_id]].append(wkb)
    start, end = _window(now)
    rows = []
    for worker_id, g, fresh in zip(workers["id"], workers["grid"], workers["fresh"], strict=True):
        if rng.random() < ABSENT or not fresh:  # absent, or patrolled already (a new plan)
            continue
        lines = _metric(roads[g], there) or _ring(outlines[g], there)
        track = patrol_track(lines, start, end, rng)
        lon, lat = back.transform(track.x, track.y)
        rows.append((int(worker_id), grids[g]["id"], track.at, lon, lat, track.accuracy_m))
    return _store_positions(conn, rows, workers["id"])


def _metric(wkbs: list, there: pyproj.Transformer) -> list:
    if not wkbs:
        return []
    return list(shapely.transform(shapely.from_wkb(wkbs), _project(there)))


def _ring(outline, there: pyproj.Transformer) -> list:
    """A grid with no road: round its edge, 15 m inside, as a path along the fields."""
    metric = shapely.transform(outline, _project(there))
    inner = metric.buffer(-15.0)
    shape = inner if not inner.is_empty else metric
    parts = shapely.get_parts(shape)
    return [max(parts, key=lambda p: p.area).exterior]


def _project(transformer: pyproj.Transformer):
    return lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))


def _store_positions(conn: Connection, rows: list, worker_ids: np.ndarray) -> int:
    raw = conn.connection.driver_connection
    copy_sql = "COPY worker_position (worker_id, at, geom, accuracy_m, grid_id) FROM STDIN"
    count = 0
    with raw.cursor() as cur, cur.copy(copy_sql) as copy:
        for worker_id, grid_id, at, lon, lat, accuracy in rows:
            wkb = shapely.to_wkb(shapely.points(lon, lat), hex=True, include_srid=False)
            for t, point, a in zip(at.astype(datetime), wkb, accuracy, strict=True):
                copy.write_row((worker_id, f"{t.isoformat()}+00:00", f"SRID=4326;{point}",
                                float(a), grid_id))  # fmt: skip
                count += 1
    conn.execute(_sql("last_positions"), {"ids": worker_ids.tolist()})
    return count


def _paths() -> dict[str, list[str]]:
    """The actions leading to each status, checked against the workflow table."""
    case, done, paths = Case("reported"), [], {"reported": []}
    for action, _ in STEPS:
        case = apply(case, action, "operator", assignee="W" if action == "dispatched" else None)
        if case.status != action:  # the history writes each step's status as its name
            raise SetupError(f"the workflow's {action} leads to {case.status} now; "
                             "gis.workers.sample must follow it")  # fmt: skip
        done.append(action)
        paths[case.status] = list(done)
    paths["rejected"] = ["rejected"]
    apply(Case("reported"), "rejected", "operator", note="不属于受理范围")
    return paths


def _histories(conn: Connection, now: datetime, rng: np.random.Generator) -> int:
    """A timeline for each incident without one; how many events were written."""
    rows = conn.execute(_sql("unhandled")).mappings().all()
    if not rows:
        return 0
    paths = _paths()
    reported = np.array([_utc(r["reported_at"]) for r in rows], dtype="datetime64[s]")
    minutes = step_minutes(len(rows), np.array([float(r["deadline_h"]) for r in rows]), rng)
    taken = np.array([len(paths.get(r["status"], [])) for r in rows])
    minutes[np.arange(len(STEPS))[None, :] >= taken[:, None]] = np.nan
    at = compress_to(reported, np.where(taken[:, None] > 0, minutes, 0.0),
                     np.datetime64(_utc(now), "s"))  # fmt: skip
    events, ids, assignees, accepted = [], [], [], []
    for i, r in enumerate(rows):
        worker = r["worker"]
        events.append((r["id"], None, "reported", REPORTERS.get(r["source"]) or worker
                       or "网格员", reported[i], "reported", None))  # fmt: skip
        status = "reported"
        path = paths.get(r["status"], [])
        for k, action in enumerate(path):  # each of these actions leads to its own name
            field = action in ("in_progress", "resolved", "verified") and worker
            events.append((r["id"], status, action, worker if field else CENTRE, at[i, k],
                           action, worker if action == "dispatched" else None))  # fmt: skip
            status = action
        if path[:1] == ["accepted"]:
            ids.append(r["id"])
            assignees.append(worker if taken[i] >= 2 else None)
            accepted.append(f"{at[i, 0]}+00:00")
    _store_events(conn, events)
    conn.execute(_sql("handled"), {"ids": ids, "assignees": assignees, "accepted": accepted})
    return len(events)


def _utc(when: datetime) -> datetime:
    """``when`` as a naive UTC time, as numpy's datetime64 takes it."""
    return when.astimezone(UTC).replace(tzinfo=None)


def _store_events(conn: Connection, events: list) -> None:
    raw = conn.connection.driver_connection
    copy_sql = ("COPY incident_event (incident_id, from_status, to_status, actor, at, action, "
                "assignee, level) FROM STDIN")  # fmt: skip
    with raw.cursor() as cur, cur.copy(copy_sql) as copy:
        for incident_id, before, after, actor, at, action, assignee in events:
            copy.write_row((incident_id, before, after, actor, f"{at}+00:00", action, assignee,
                            "community"))  # fmt: skip

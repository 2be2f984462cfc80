"""The incident town with a hand-built week of incidents for the assessment tests: every
report, event, deadline, call-back and position at a known time, so that each figure can
be worked out by hand in the tests.

The week is 1–8 October 2026, China Standard Time. Grids: one per community; workers W1
(and W1B, who never patrols) in HOME's grid, W2 in NEIGHBOUR's, W9 in FAR's (the west
street). ``HOURS`` gives each incident's events in hours after its report.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from gis.settings import DatabaseSettings
from tests.incident_town import FAR, HOME, NEIGHBOUR, add_worker, build_town, grid_of

CST = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 10, 1, tzinfo=CST)
END = datetime(2026, 10, 8, tzinfo=CST)
POINTS = {HOME: (121.3150, 28.5580), NEIGHBOUR: (121.3150, 28.5650), FAR: (121.3300, 28.5520)}


def at(day: int, hour: float = 0.0, minute: int = 0) -> datetime:
    """A time of October 2026, China Standard Time."""
    return datetime(2026, 10, day, tzinfo=CST) + timedelta(hours=hour, minutes=minute)


# code: community, worker holding it, source, reported at, status, deadline hours after
# the report (or after the reopening), events as (action, to_status, hours after report),
# call-back satisfaction.
INCIDENTS = {
    "A": (HOME, "W1", "grid_worker", at(1, 8), "closed", 24,
          [("accepted", "accepted", 0.5), ("dispatched", "dispatched", 1),
           ("in_progress", "in_progress", 2), ("resolved", "resolved", 5),
           ("verified", "verified", 6), ("closed", "closed", 7)], 5),
    "B": (HOME, "W1", "hotline", at(2, 8), "resolved", 24,
          [("accepted", "accepted", 1), ("dispatched", "dispatched", 2),
           ("in_progress", "in_progress", 3), ("resolved", "resolved", 30)], 2),
    "C": (HOME, "W1", "hotline", at(3, 8), "verified", ("reopened", 24),
          [("accepted", "accepted", 2), ("dispatched", "dispatched", 2.5),
           ("in_progress", "in_progress", 3), ("resolved", "resolved", 4),
           ("reopened", "accepted", 6), ("dispatched", "dispatched", 7),
           ("in_progress", "in_progress", 8), ("resolved", "resolved", 10),
           ("verified", "verified", 11)], None),
    "D": (HOME, None, "video", at(4, 8), "in_progress", 24,
          [("accepted", "accepted", 3), ("dispatched", "dispatched", 4),
           ("in_progress", "in_progress", 5)], None),
    "E": (HOME, None, "citizen", at(5, 8), "rejected", 24, [("rejected", "rejected", 1)], None),
    "F": (HOME, "W1", "hotline", at(1) - timedelta(hours=1), "closed", 24,  # before the week
          [("accepted", "accepted", 9), ("resolved", "resolved", 99)], 1),
    "G": (HOME, "W1", "hotline", at(8), "reported", 1, [], None),  # the week's end: after it
    "H": (NEIGHBOUR, "W2", "110", at(6, 10), "closed", 24,
          [("accepted", "accepted", 0.25), ("resolved", "resolved", 2),
           ("verified", "verified", 3), ("closed", "closed", 4)], 4),
    "I": (NEIGHBOUR, None, "grid_worker", at(7, 10), "reported", 4, [], None),
    "J": (FAR, "W9", "hotline", at(2, 9), "closed", 24,
          [("accepted", "accepted", 1), ("resolved", "resolved", 3),
           ("verified", "verified", 3.5), ("closed", "closed", 4)], 1),
}  # fmt: skip

# worker: positions as (day of October, hour, minute)
POSITIONS = {
    "W1": [(2, 8, 0), (2, 8, 5), (2, 8, 10), (2, 8, 30), (2, 8, 35), (2, 8, 45), (2, 23, 58),
           (3, 0, 3), (3, 0, 6), (1, 0, -1), (1, 0, 2), (8, 0, 0), (8, 0, 5)],
    "W2": [(6, 9, 0), (6, 9, 10), (6, 9, 15)],
    "W9": [(2, 10, 0), (2, 10, 6)],
}  # fmt: skip


def build_assessment_town(
    make_database: Callable[[str], str], name: str
) -> tuple[Engine, DatabaseSettings]:
    """The town, its workers, the incidents of INCIDENTS with their timelines and
    call-backs, and the workers' positions, all written as the owner."""
    engine, settings = build_town(make_database, name)
    for worker, community in (("W1", HOME), ("W1B", HOME), ("W2", NEIGHBOUR), ("W9", FAR)):
        add_worker(engine, worker, grid_of(engine, community))
    with engine.begin() as conn:
        for code, (
            community,
            holder,
            source,
            reported,
            status,
            hours,
            events,
            score,
        ) in INCIDENTS.items():
            _incident(conn, code, community, holder, source, reported, status, hours, events)
            if score is not None:
                conn.execute(
                    text("INSERT INTO incident_feedback (incident_id, satisfaction, recorded_by) "
                         "SELECT id, :s, 'test' FROM incident WHERE code = :code"),
                    {"s": score, "code": code},
                )  # fmt: skip
        for worker, times in POSITIONS.items():
            for day, hour, minute in times:
                conn.execute(
                    text("INSERT INTO worker_position (worker_id, at, geom) "
                         "SELECT id, :at, ST_SetSRID(ST_MakePoint(121.31, 28.555), 4326) "
                         "FROM worker WHERE code = :w"),
                    {"at": at(day, hour, minute), "w": worker},
                )  # fmt: skip
    return engine, settings


def _incident(conn, code, community, holder, source, reported, status, hours, events) -> None:
    since = reported
    if isinstance(hours, tuple):  # the deadline restarted at that action
        action, hours = hours
        since = reported + timedelta(hours=next(h for a, _, h in events if a == action))
    lon, lat = POINTS[community]
    incident_id = conn.execute(
        text(
            "INSERT INTO incident (code, category, source, reported_at, status, deadline_at, "
            "community_id, grid_id, assignee, assigned_unit, geom) "
            "SELECT :code, 'sanitation', CAST(:source AS incident_source), :reported, "
            "CAST(:status AS incident_status), :deadline, a.id, g.id, CAST(:holder AS text), "
            "CASE WHEN CAST(:holder AS text) IS NULL THEN '环境卫生管理所' END, "
            "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) "
            "FROM area a JOIN grid g ON g.community_id = a.id "
            "JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published' "
            "WHERE a.code = :community RETURNING incident.id"
        ),
        {"code": code, "source": source, "reported": reported, "status": status,
         "deadline": since + timedelta(hours=hours), "holder": holder, "lon": lon, "lat": lat,
         "community": community},
    ).scalar_one()  # fmt: skip
    previous = "reported"
    steps = [("reported", "reported", 0.0), *events]
    for action, to_status, after in steps:
        conn.execute(
            text(
                "INSERT INTO incident_event (incident_id, from_status, to_status, actor, at, "
                "action) VALUES (:id, CAST(:f AS incident_status), CAST(:t AS incident_status), "
                "'test', :at, :action)"
            ),
            {"id": incident_id, "f": None if action == "reported" else previous, "t": to_status,
             "at": reported + timedelta(hours=after), "action": action},
        )  # fmt: skip
        previous = to_status

"""The assessment (考核评估) of an area's grids, communities, streets or workers over a
period: how many incidents they had and from whom, how fast they were accepted and
resolved, how many were closed, late or reopened, what residents said on call-back, and
how long the workers patrolled.

One statement computes every figure of every unit and of the whole area in one pass
(``sql/assessment.sql``); it runs as the reader, so row-level security counts only the
incidents and workers of their scope, and the units listed are those of the scope too.
docs/assessment.md gives each formula.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from sqlalchemy import Connection, TextClause, text

from gis.db.statements import query, statement
from gis.errors import InvalidInput, NotFound
from gis.incidents.queries import ZONE, aware
from gis.incidents.transaction import atomic
from gis.incidents.workflow import OPEN

By = Literal["grid", "community", "street", "worker"]
BY: tuple[str, ...] = ("grid", "community", "street", "worker")
SOURCES = ("grid_worker", "hotline", "video", "110", "citizen")
HANDLED = ("resolved", "verified", "closed")
MAX_DAYS = 366  # a year, a leap one included
DAILY_UP_TO_DAYS = 31  # a trend over a month or less is per day, else per week
COUNTS = (
    "reported", "rejected", "handled", "overdue", "resolved_ever", "reopened", "feedback",
    "satisfied", "workers",
)  # fmt: skip
TIMES = ("accept_median_h", "accept_p90_h", "resolve_median_h", "resolve_p90_h")


@dataclass(frozen=True)
class Period:
    """What is assessed: the communities under ``area_path`` (and the reader's scope),
    the incidents reported in [start, end), grouped by ``by``."""

    area: str | None
    area_path: str | None
    scope_path: str | None
    start: datetime
    end: datetime
    by: str

    def params(self) -> dict[str, Any]:
        return {"area_path": self.area_path, "scope_path": self.scope_path,
                "start": self.start, "end": self.end, "zone": ZONE,
                "open": list(OPEN), "handled": list(HANDLED)}  # fmt: skip


def period(
    conn: Connection,
    area: str | None,
    start: datetime,
    end: datetime,
    by: str,
    *,
    scope: str | None = None,
) -> Period:
    """The period checked: ``by`` one of BY, ``start`` before ``end`` and at most a year
    apart (a time without a zone is China Standard Time), ``area`` known and overlapping
    ``scope`` (the reader's area or grid code; none: everywhere). InvalidInput names the
    parameter at fault; NotFound an unknown area or one outside the scope."""
    if by not in BY:
        _invalid("by", f"group by one of {', '.join(BY)}, not {by!r}")
    start, end = aware(start), aware(end)
    if end <= start:
        _invalid("to", f"the period must end after it starts ({start.isoformat()})")
    if end - start > timedelta(days=MAX_DAYS):
        _invalid("to", f"a period is at most {MAX_DAYS} days, not {(end - start).days}")
    area = area or scope
    area_path = scope_path = None
    if area is not None:
        area_path = _path(conn, area)
        if area_path is None:
            raise NotFound(f"there is no area with code {area!r}")
    if scope is not None:
        scope_path = _path(conn, scope)
        if scope_path is None or not _overlap(area_path, scope_path):
            raise NotFound(f"the area {area} lies outside your scope ({scope})")
    return Period(area, area_path, scope_path, start, end, by)


def assessment(conn: Connection, at: Period) -> dict[str, Any]:
    """Every unit's figures and the whole area's: ``{"units": [...], "total": {...},
    "unplaced": n}``, units by code. ``unplaced`` counts the period's incidents that
    belong to no unit (no published grid; held by no worker of the area)."""
    with _custom_plan(conn):
        found = conn.execute(_statement("figures", at.by), at.params()).mappings()
        found = [_figures(r) for r in found]
    units = [f for f in found if not f["whole"]]
    total = next(f for f in found if f["whole"])
    unplaced = total["unplaced"]
    for figures in found:
        del figures["whole"], figures["unplaced"]
    for key in ("code", "name", "parent_code", "parent_name"):
        total.pop(key)
    return {"area": at.area, "from": at.start, "to": at.end, "by": at.by, "units": units,
            "total": total, "unplaced": unplaced}  # fmt: skip


def trend(conn: Connection, at: Period) -> dict[str, Any]:
    """Per unit, the period cut in days (a month or less) or weeks from its start:
    reported, closure rate and overdue rate of the incidents reported in each."""
    step = timedelta(days=1 if at.end - at.start <= timedelta(days=DAILY_UP_TO_DAYS) else 7)
    buckets = -(-(at.end - at.start) // step)
    params = at.params() | {"step_s": int(step.total_seconds())}
    series: dict[str, dict[str, list]] = {}
    with _custom_plan(conn):
        found = conn.execute(_statement("trend", at.by), params).mappings().all()
    for r in found:
        one = series.setdefault(r["code"], {
            "reported": [0] * buckets, "closure_rate": [None] * buckets,
            "overdue_rate": [None] * buckets,
        })  # fmt: skip
        i = r["bucket"]
        counted = r["reported"] - r["rejected"]
        one["reported"][i] = r["reported"]
        one["closure_rate"][i] = _rate(r["handled"], counted)
        one["overdue_rate"][i] = _rate(r["overdue"], counted)
    starts = [at.start + i * step for i in range(buckets)]
    units = [{"code": code, **values} for code, values in series.items()]
    kind = "day" if step.days == 1 else "week"
    return {"area": at.area, "from": at.start, "to": at.end, "by": at.by, "step": kind,
            "starts": starts, "units": units}  # fmt: skip


@contextmanager
def _custom_plan(conn: Connection) -> Iterator[None]:
    """The block in a transaction whose statements are planned for their own values.

    psycopg prepares a statement run five times on a connection, and PostgreSQL may then
    keep one generic plan for any values: for this statement, planned without knowing
    the period, that plan ran for minutes where a plan for the values takes a second.
    """
    with atomic(conn):
        conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        yield


@cache
def _statement(name: str, by: str) -> TextClause:
    """Statement ``name`` for grouping ``by`` (one of BY), its shared steps filled in."""
    if by not in BY:  # the text takes it as a literal: only the allow-list's
        raise ValueError(f"no grouping {by!r}")
    literal = f"'{by}'"
    cases = statement("gis.assessment", "assessment", "cases").format(by=literal)
    return text(statement("gis.assessment", "assessment", name).format(cases=cases, by=literal))


def _figures(row: Any) -> dict[str, Any]:
    """A unit's row as the answer gives it: counts, rates (None when nothing to divide
    by), times in hours, sources with every source named."""
    out = dict(row)
    counted = out["reported"] - out["rejected"]
    out["by_source"] = {s: int(out["by_source"].get(s, 0)) for s in SOURCES} | {
        s: int(n) for s, n in out["by_source"].items() if s not in SOURCES
    }
    out["closure_rate"] = _rate(out["handled"], counted)
    out["overdue_rate"] = _rate(out["overdue"], counted)
    out["reopened_rate"] = _rate(out["reopened"], out["resolved_ever"])
    out["satisfied_share"] = _rate(out["satisfied"], out["feedback"])
    for key in (*TIMES, "satisfaction_mean"):
        out[key] = None if out[key] is None else float(out[key])
    out["patrol_hours"] = float(out["patrol_hours"])
    return out


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _path(conn: Connection, code: str) -> str | None:
    return conn.execute(query("gis.assessment", "assessment", "path"), {"code": code}).scalar()


def _overlap(path: str, scope_path: str) -> bool:
    """Whether one of two ltree paths lies under the other."""
    a, b = path.split("."), scope_path.split(".")
    return a[: len(b)] == b or b[: len(a)] == a


def _invalid(field: str, message: str) -> None:
    raise InvalidInput(f"{field}: {message}", [{"field": field, "message": message}])

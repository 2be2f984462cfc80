"""Residents' call-back satisfaction (回访满意度) on a handled incident.

After an incident is resolved, the centre calls the resident back and records how
satisfied they were, once: 1 very unsatisfied, 2 unsatisfied, 3 basically satisfied
(基本满意), 4 satisfied, 5 very satisfied. The assessment averages it and counts the
share satisfied (4 or 5). Only a handled incident (resolved, verified or closed) takes
one; the incident's row is locked meanwhile, so a reopening cannot slip in between.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import FeedbackNotAllowed, InvalidInput, NotFound
from gis.incidents.transaction import atomic

HANDLED = ("resolved", "verified", "closed")
NOTE_CHARS = 2000
SATISFACTION = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}


def _sql(name: str):
    return query("gis.assessment", "feedback", name)


def record_feedback(
    conn: Connection, code: str, satisfaction: int, *, recorded_by: str, note: str | None = None
) -> dict[str, Any]:
    """Record the call-back satisfaction of incident ``code``; the record. InvalidInput
    for a satisfaction outside 1–5 or a note over 2,000 characters, NotFound outside the
    recorder's scope, FeedbackNotAllowed (409) before the incident is handled or when
    its feedback is already recorded."""
    if not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        message = f"from 1 (very unsatisfied) to 5 (very satisfied), not {satisfaction!r}"
        problem = [{"field": "satisfaction", "message": message}]
        raise InvalidInput(f"satisfaction: {message}", problem)
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_CHARS:
        message = f"at most {NOTE_CHARS} characters, not {len(note)}"
        raise InvalidInput(f"note: {message}", [{"field": "note", "message": message}])
    with atomic(conn):
        row = conn.execute(_sql("lock"), {"code": code}).mappings().first()
        if row is None:
            raise NotFound(f"there is no incident with code {code!r} (in your scope)")
        if row["recorded_at"] is not None:
            raise FeedbackNotAllowed(
                f"the call-back of {code} is already recorded (by {row['recorded_by']} at "
                f"{row['recorded_at'].isoformat()}); it is recorded once"
            )
        if row["status"] not in HANDLED:
            raise FeedbackNotAllowed(
                f"{code} is {row['status']}: a call-back is recorded once it is resolved, "
                "verified or closed"
            )
        params = {"id": row["id"], "satisfaction": satisfaction, "recorded_by": recorded_by,
                  "note": note}  # fmt: skip
        done = conn.execute(_sql("record"), params).mappings().first()
        if done is None:  # recorded by a concurrent call between the lock and the insert
            raise FeedbackNotAllowed(f"the call-back of {code} is already recorded")
    return dict(done)


def feedback_of(conn: Connection, code: str) -> dict[str, Any] | None:
    """The recorded call-back of incident ``code``, or None."""
    row = conn.execute(_sql("read"), {"code": code}).mappings().first()
    return dict(row) if row else None

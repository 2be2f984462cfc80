"""Moving an incident through its workflow: one action, as the table in
``gis.incidents.workflow`` allows it, in one transaction.

The incident's row is locked first, so of two concurrent actions one waits for the
other and then finds the state it left (and is refused if its action no longer
applies). Each accepted action writes the incident, exactly one ``incident_event`` row
and one outbox event; a refused one writes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query
from gis.errors import Forbidden, InvalidInput, NotFound, TransitionNotAllowed
from gis.incidents.outbox import announce
from gis.incidents.transaction import atomic
from gis.incidents.workflow import ACTIONS, OPEN, Case, IllegalAction, apply

NOTE_CHARS = 2000


def _sql(name: str):
    return query("gis.incidents", "changes", name)


def transition(
    conn: Connection,
    code: str,
    to: str,
    *,
    actor: str,
    role: str,
    note: str | None = None,
    assignee: str | None = None,
) -> dict[str, Any]:
    """Take action ``to`` on incident ``code`` as ``actor`` with ``role``; the new
    timeline entry. TransitionNotAllowed (409) when the state does not allow it,
    Forbidden when the role may not, InvalidInput when a note or assignee is missing,
    NotFound outside the actor's scope."""
    note = _clean(note, "note", NOTE_CHARS)
    assignee = _clean(assignee, "assignee", 64)
    with atomic(conn):
        row = conn.execute(_sql("lock"), {"code": code, "open": list(OPEN)}).mappings().first()
        if row is None:
            raise NotFound(f"there is no incident with code {code!r} (in your scope)")
        case = Case(row["status"], row["level"], row["overdue"])
        after = _apply(case, to, role, note, assignee)
        action = ACTIONS[to]
        holder, unit = _holder(conn, row, action.route, assignee)
        conn.execute(
            _sql("update"),
            {"id": row["id"], "status": after.status, "level": after.level, "assignee": holder,
             "unit": unit, "restart": action.restart_deadline},
        )  # fmt: skip
        given = assignee or ((holder or unit) if action.route else None)
        event = dict(
            conn.execute(
                _sql("event"),
                {"id": row["id"], "from_status": row["status"], "to_status": after.status,
                 "actor": actor, "note": note, "action": to, "assignee": given,
                 "level": after.level},
            ).mappings().one()
        )  # fmt: skip
        announce(conn, "incident.changed", row["id"], event)
    return event


def _apply(case: Case, to: str, role: str, note: str | None, assignee: str | None) -> Case:
    """The table's answer, as the error each refusal is."""
    try:
        return apply(case, to, role, note=note, assignee=assignee)
    except IllegalAction as exc:
        if exc.kind == "role":
            raise Forbidden(str(exc)) from None
        if exc.kind == "input":
            field = "to" if to not in ACTIONS else "assignee" if "assignee" in str(exc) else "note"
            raise InvalidInput(str(exc), [{"field": field, "message": str(exc)}]) from None
        raise TransitionNotAllowed(str(exc), exc.allowed) from None


def _holder(
    conn: Connection, row: Any, route: bool, assignee: str | None
) -> tuple[str | None, str | None]:
    """Who handles the incident after the action, and which unit: routing gives it to its
    grid's worker, else to its category's default unit; an assignee given names one."""
    if assignee:
        return assignee, None
    if not route:
        return row["assignee"], row["assigned_unit"]
    worker = None
    if row["grid_id"] is not None:
        worker = conn.execute(_sql("grid_worker"), {"grid_id": row["grid_id"]}).scalar()
    return (worker, None) if worker else (None, row["unit"])


def _clean(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if len(value) > limit:
        message = f"at most {limit} characters, not {len(value)}"
        raise InvalidInput(f"{field}: {message}", [{"field": field, "message": message}])
    return value or None

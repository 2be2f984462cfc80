"""The category catalogue: the GB/T 30428-style classes an incident may be reported as.

Each class is an event (事件) or a component (部件) of the standard, under a major class
(大类), with its handling deadline in hours per urgency and its default handling unit
(where an accepted incident goes when its grid has no worker). Migration 0015 seeds
it; ``wangge incidents category`` edits it. A class is retired (``active`` false)
rather than deleted: incidents keep naming it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from gis.db.incident_tables import CATEGORY_KINDS, INCIDENT_URGENCIES
from gis.db.statements import query
from gis.errors import InvalidInput

FIELDS = (
    "code", "name_zh", "name_en", "kind", "major", "hours_low", "hours_normal", "hours_high",
    "hours_critical", "default_urgency", "default_unit", "active",
)  # fmt: skip


def categories(conn: Connection, *, active_only: bool = True) -> list[dict[str, Any]]:
    """The catalogue: events before components, each by code."""
    sql = query("gis.incidents", "catalogue", "list")
    return [dict(r) for r in conn.execute(sql, {"active_only": active_only}).mappings()]


def category(conn: Connection, code: str) -> dict[str, Any]:
    """The active class ``code``; InvalidInput listing the valid codes when there is none."""
    row = conn.execute(query("gis.incidents", "catalogue", "one"), {"code": code}).mappings()
    found = row.first()
    if found is None or not found["active"]:
        valid = ", ".join(c["code"] for c in categories(conn))
        message = f"unknown category {code!r}; the catalogue's categories are: {valid}"
        raise InvalidInput(message, [{"field": "category", "message": message}])
    return dict(found)


def hours(row: dict[str, Any], urgency: str) -> int:
    """The deadline in hours of a class (a row of the catalogue) for ``urgency``.

    >>> hours({"hours_high": 24}, "high")
    24
    """
    return int(row[f"hours_{urgency}"])


def save_category(conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    """Add a class or change one (the owner's connection: the API may only read); the
    class as saved. Values not given keep the stored ones."""
    code = values.get("code") or ""
    stored = conn.execute(query("gis.incidents", "catalogue", "one"), {"code": code})
    current = dict(stored.mappings().first() or {})
    merged = {f: values[f] if values.get(f) is not None else current.get(f) for f in FIELDS}
    merged["active"] = True if merged["active"] is None else merged["active"]
    merged["default_urgency"] = merged["default_urgency"] or "normal"
    _check(merged)
    conn.execute(query("gis.incidents", "catalogue", "upsert"), merged)
    return merged


def _check(row: dict[str, Any]) -> None:
    missing = [f for f in FIELDS if row.get(f) in (None, "")]
    if missing:
        raise InvalidInput(f"a new category needs {', '.join(missing)}")
    if row["kind"] not in CATEGORY_KINDS:
        raise InvalidInput(f"kind must be {' or '.join(CATEGORY_KINDS)}, not {row['kind']!r}")
    if row["default_urgency"] not in INCIDENT_URGENCIES:
        raise InvalidInput(
            f"default urgency must be one of {', '.join(INCIDENT_URGENCIES)}, "
            f"not {row['default_urgency']!r}"
        )
    spans = [hours(row, u) for u in INCIDENT_URGENCIES]
    if not (spans[-1] > 0 and spans == sorted(spans, reverse=True)):
        raise InvalidInput(
            "deadline hours must be positive and no longer for a more urgent incident "
            f"(low ≥ normal ≥ high ≥ critical > 0), not {spans}"
        )

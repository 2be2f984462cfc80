"""The hash chain of the audit log, recomputed here to find what was changed or removed.

Every entry's ``hash`` is SHA-256 over a canonical text of its fields and the hash
of the entry before it (``prev_hash``; the first links to ``GENESIS``). The database
computes it in a trigger (``wangge_audit_hash``, migration 0012); ``canonical`` builds
the same text, so the check does not trust the database's own function.

Walking the chain in id order finds the first entry that breaks it:

- its content changed: its hash is not the hash of what it now says;
- entries before it removed: it links to a hash that is not the entry before it's,
  and ids are missing between the two (a rolled-back insert leaves a gap too, but
  never a broken link);
- its link changed: it links elsewhere though no id is missing.

Removing the newest entries leaves a shorter chain that holds: keep the head that
``verify`` reports (id and hash) somewhere else to notice that (docs/audit.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from gis.db.statements import query

GENESIS = "0" * 64
VERSION = "wangge-audit-v1"
# The fields in the order the hash takes them, as the trigger passes them.
FIELDS = (
    "id", "at", "actor", "role", "source", "request_id", "action", "object_type",
    "object_id", "purpose", "detail", "prev_hash",
)  # fmt: skip
BATCH = 5000


@dataclass(frozen=True)
class ChainCheck:
    """What ``verify`` found: how many entries hold, the head, the first broken entry."""

    intact: bool
    entries: int
    head_id: int | None
    head_hash: str | None
    broken_id: int | None = None
    reason: str | None = None

    def summary(self) -> str:
        """One line for people: intact with its head, or the first broken entry and why."""
        if not self.intact:
            return f"audit log broken at entry {self.broken_id}: {self.reason}"
        if self.head_id is None:
            return "audit log intact: no entries yet"
        return (
            f"audit log intact: {self.entries} entries, the newest {self.head_id} "
            f"with hash {self.head_hash}"
        )


def _utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(entry: Mapping[str, Any]) -> str:
    """The text an entry's hash is taken over: each field as ``|length:text``, ``|-`` for
    null, the time in UTC to the microsecond, the detail as PostgreSQL's jsonb text.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> entry = dict(id=7, at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC), actor="王芳",
    ...              role="admin", source=None, request_id=None, action="read",
    ...              object_type="household", object_id="B1-0101", purpose=None,
    ...              detail='{"n": 1}', prev_hash=GENESIS[:4])
    >>> canonical(entry)[:63]
    'wangge-audit-v1|1:7|27:2026-01-02T03:04:05.000006Z|2:王芳|5:admin'
    >>> canonical(entry)[63:]
    '|-|-|4:read|9:household|7:B1-0101|-|8:{"n": 1}|4:0000'
    """
    values = [str(entry["id"]), _utc(entry["at"]), *(entry[f] for f in FIELDS[2:])]
    return VERSION + "".join("|-" if v is None else f"|{len(v)}:{v}" for v in values)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of ``canonical(entry)``, as the trigger stores it."""
    return hashlib.sha256(canonical(entry).encode("utf-8")).hexdigest()


def _fault(entry: Mapping[str, Any], prev_id: int | None, prev_hash: str) -> str | None:
    """Why ``entry`` breaks the chain after ``prev_id`` (whose hash is ``prev_hash``)."""
    if entry["hash"] != entry_hash(entry):
        return (
            "its content was changed: the stored hash is not the hash of what it says now "
            f"(stored {entry['hash']}, computed {entry_hash(entry)})"
        )
    if entry["prev_hash"] == prev_hash:
        return None
    if prev_id is None:
        return (
            "entries before it were deleted: it is the first entry left, yet it links to "
            f"{entry['prev_hash']}, not to the start of the chain"
        )
    if entry["id"] > prev_id + 1:
        return (
            f"entries deleted before it: it does not link to entry {prev_id}, the one "
            f"before it now, and entries {prev_id + 1} to {entry['id'] - 1} are missing"
        )
    return (
        f"its link was changed: it links to {entry['prev_hash']}, but entry {prev_id} "
        f"before it has hash {prev_hash}"
    )


def verify(conn: Connection, *, batch: int = BATCH) -> ChainCheck:
    """Walk the whole chain in id order, ``batch`` entries a statement, recomputing every
    hash; stop at the first entry that breaks it. Runs as the table's owner."""
    prev_id: int | None = None
    prev_hash = GENESIS
    count = 0
    while True:
        after = 0 if prev_id is None else prev_id
        rows = conn.execute(query("gis.audit", "chain", "batch"), {"after": after, "n": batch})
        found = rows.mappings().all()
        for entry in found:
            fault = _fault(entry, prev_id, prev_hash)
            if fault is not None:
                return ChainCheck(False, count, prev_id, prev_hash if prev_id is not None else None,
                                  entry["id"], fault)  # fmt: skip
            prev_id, prev_hash = entry["id"], entry["hash"]
            count += 1
        if len(found) < batch:
            return ChainCheck(True, count, prev_id, prev_hash if prev_id is not None else None)

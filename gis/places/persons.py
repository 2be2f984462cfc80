"""One person's ID number or phone in full: for a stated purpose, and always audited.

Households show people masked (``households``); a user whose role may
``persons:unmask`` asks for one field of one person with a purpose, and the value is
decrypted in the database (pgcrypto, with the deployment's key) in the same statement
that writes the audit entry, so no value is ever shown without its entry.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from gis.db.statements import fetch_one, query
from gis.errors import InvalidInput, SetupError

FIELDS = ("id_number", "phone")
PURPOSE_CHARS = (10, 500)
WRONG_KEY = "39000"  # pgcrypto: "Wrong key or corrupt data"


def _check_purpose(purpose: str) -> str:
    purpose = purpose.strip()
    low, high = PURPOSE_CHARS
    if not low <= len(purpose) <= high:
        message = f"state the purpose in {low} to {high} characters, not {len(purpose)}"
        raise InvalidInput(message, [{"field": "purpose", "message": message}])
    return purpose


def unmask(
    conn: Connection,
    code: str,
    field: Literal["id_number", "phone"],
    *,
    key: str,
    purpose: str,
    actor: str,
    role: str | None,
    source: str | None,
    request_id: str | None,
) -> dict[str, Any]:
    """The full ``field`` of person ``code`` (None when none is on record), decrypted
    with ``key``; the audit entry (action ``unmask``, the purpose, who, from where) is
    written by the same statement. NotFound when no such person is in reach."""
    if field not in FIELDS:
        message = f"field must be one of {', '.join(FIELDS)}, not {field!r}"
        raise InvalidInput(message, [{"field": "field", "message": message}])
    params = {"code": code, "field": field, "key": key, "purpose": _check_purpose(purpose),
              "actor": actor, "role": role, "source": source, "request_id": request_id}  # fmt: skip
    missing = f"there is no person with code {code!r} (in your scope)"
    try:
        row = fetch_one(conn, query("gis.places", "persons", "unmask"), params, missing=missing)
    except DBAPIError as exc:  # the statement failed whole: no value, no entry
        if getattr(exc.orig, "sqlstate", None) == WRONG_KEY:
            raise SetupError(
                "the secret key this process holds does not decrypt the stored persons "
                "(was the key rotated since it started?); restart it with the current key"
            ) from None
        raise
    return {"code": row["code"], "field": field, "value": row["value"]}

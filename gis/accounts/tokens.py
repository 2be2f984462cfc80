"""Bearer tokens for scripts and mobile clients (``Authorization: Bearer wg_...``).

A token is shown once, when issued; the database keeps its SHA-256, when it expires
and when it was last used. It signs in as its user for as long as it is unexpired
and the user is enabled.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gis.accounts import hashing
from gis.accounts.users import User, get_user
from gis.db.statements import query
from gis.errors import InvalidInput

PREFIX = "wg_"  # says what a leaked string is, for people and secret scanners
MAX_DAYS = 3650
_MAX_LENGTH = 128


def issue_token(conn: Connection, name: str, days: int = 90) -> str:
    """A new bearer token for the enabled user ``name``, valid for ``days`` days."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"a token lasts 1 to {MAX_DAYS} days, not {days}")
    token = hashing.new_token(PREFIX)
    params = {"name": name, "token_hash": hashing.digest(token), "days": days}
    if conn.execute(query("gis.accounts", "tokens", "issue"), params).first() is None:
        get_user(conn, name)  # NotFound for an unknown name; else it is disabled
        raise InvalidInput(f"the account {name!r} is disabled; enable it first")
    return token


def user_for_token(conn: Connection, token: str) -> User | None:
    """The user a token signs in as, or None: unknown, expired, or its user disabled."""
    if not token.startswith(PREFIX) or len(token) > _MAX_LENGTH:
        return None
    params = {"token_hash": hashing.digest(token)}
    row = conn.execute(query("gis.accounts", "tokens", "user_for_token"), params).mappings()
    found = row.first()
    return User.from_row(found) if found is not None else None

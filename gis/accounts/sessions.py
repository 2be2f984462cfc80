"""Browser sessions, for the login page: a random id in an HttpOnly cookie.

As with tokens, the database keeps only the id's SHA-256, so reading the table
hijacks no session. A session ends when it expires, when it is closed (sign-out),
when its user's password changes, or when its user is disabled.
"""

from __future__ import annotations

from sqlalchemy import Connection

from gis.accounts import hashing
from gis.accounts.users import User
from gis.db.statements import query
from gis.errors import InvalidInput, NotFound

MAX_HOURS = 24 * 30
_MAX_LENGTH = 128


def _sql(name: str):
    return query("gis.accounts", "sessions", name)


def open_session(conn: Connection, user_id: int, hours: int = 12) -> str:
    """A new session of the enabled user ``user_id`` for ``hours``: its id, for the cookie."""
    if not 1 <= hours <= MAX_HOURS:
        raise InvalidInput(f"a session lasts 1 to {MAX_HOURS} hours, not {hours}")
    session_id = hashing.new_token()
    params = {"user_id": user_id, "session_hash": hashing.digest(session_id), "hours": hours}
    if conn.execute(_sql("open"), params).scalar() is None:
        raise NotFound(f"there is no enabled user with id {user_id}")
    return session_id


def user_for_session(conn: Connection, session_id: str) -> User | None:
    """The user of an open, unexpired session, or None."""
    if not session_id or len(session_id) > _MAX_LENGTH:
        return None
    params = {"session_hash": hashing.digest(session_id)}
    found = conn.execute(_sql("user_for_session"), params).mappings().first()
    return User.from_row(found) if found is not None else None


def csrf_token(session_id: str) -> str:
    """The token a page sends with each change it makes (``X-CSRF-Token``).

    Derived from the session id, which only the browser holds (an HttpOnly cookie): a
    page of another site can neither read the cookie nor compute the token.

    >>> csrf_token("abc") == csrf_token("abc") != csrf_token("abd")
    True
    """
    return hashing.digest("wangge-csrf:" + session_id)


def close_session(conn: Connection, session_id: str) -> None:
    """End a session (sign-out); closing one already closed or unknown does nothing."""
    conn.execute(_sql("close"), {"session_hash": hashing.digest(session_id)})

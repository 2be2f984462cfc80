"""One transaction for a change, whatever connection the caller hands over.

The API runs core functions on pooled connections in autocommit (one statement, one
transaction: api/dependencies.py); an intake or a transition writes several rows that
must commit together or not at all. ``atomic`` opens a transaction on such a
connection for the block, and inside a caller's own transaction (the CLI, tests) it
simply joins it, leaving the commit to the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

AUTOCOMMIT = "AUTOCOMMIT"


@contextmanager
def atomic(conn: Connection) -> Iterator[Connection]:
    """The block as one transaction on ``conn`` (rolled back if it raises)."""
    if not _autocommit(conn):
        if conn.in_transaction():
            yield conn  # the caller's transaction: the caller commits
            return
        with conn.begin():
            yield conn
        return
    if conn.in_transaction():
        conn.commit()  # what autocommit began is done already; nothing is pending
    conn.execution_options(isolation_level="READ COMMITTED")
    try:
        with conn.begin():
            yield conn
    finally:
        conn.execution_options(isolation_level=AUTOCOMMIT)


def _autocommit(conn: Connection) -> bool:
    """Whether the driver commits each statement itself (the server's isolation level
    reads READ COMMITTED all the same, so the driver's own flag is asked)."""
    if conn.get_execution_options().get("isolation_level") == AUTOCOMMIT:
        return True
    return bool(getattr(conn.connection.dbapi_connection, "autocommit", False))

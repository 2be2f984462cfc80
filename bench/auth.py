"""A bearer token for the benches: every API route needs a signed-in user (issue 13)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from gis.accounts import create_user, enable_user, issue_token

NAME = "bench"


def bench_token(url: str, role: str = "admin", scope: str | None = None) -> str:
    """A one-day token of the user ``bench-<role>`` (made, or enabled again, on ``url``)."""
    name = f"{NAME}-{role}" + (f"-{scope}" if scope else "")
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            known = conn.execute(text("SELECT 1 FROM user_account WHERE name = :n"), {"n": name})
            if known.first() is None:
                create_user(conn, name, role, scope=scope)
            else:
                enable_user(conn, name)
            return issue_token(conn, name, days=1)
    finally:
        engine.dispose()


def header(url: str, role: str = "admin", scope: str | None = None) -> dict[str, str]:
    """The Authorization header of ``bench_token``."""
    return {"Authorization": f"Bearer {bench_token(url, role, scope)}"}

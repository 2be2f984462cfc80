"""The API's own database role: how the API signs in as ``wangge_api`` and names its user.

Migration 0011 makes the role (no tables, no superuser, no BYPASSRLS) and the row-level
security policies that read the user set here. The API's connections sign in as it;
the loader, the CLI and the job workers keep the owner's role.

Its password is derived from the secret key, so every API process of one deployment
agrees on it without storing another secret, and the owner sets it at the API's start
(``ensure_login``). A deployment whose DBA manages roles sets
``WANGGE_API_DATABASE_URL`` instead, and nothing is altered.

Every connection the API's engine hands out is first told whose request it serves
(``name_user``, a pool checkout event): the user of the current request, from a context
variable the authentication sets, or nobody, for whom the policies show no row.
"""

from __future__ import annotations

import hashlib
import hmac
from contextvars import ContextVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL, make_url

API_ROLE = "wangge_api"

# The id of the signed-in user of the request being served (None: nobody).
request_user: ContextVar[int | None] = ContextVar("wangge_request_user", default=None)


def api_password(secret_key: str) -> str:
    """The API role's password, derived from the deployment's secret key.

    >>> len(api_password("k")), api_password("k") == api_password("k") != api_password("j")
    (64, True)
    """
    return hmac.new(secret_key.encode(), b"wangge_api login", hashlib.sha256).hexdigest()


def api_url(owner_url: str, secret_key: str) -> URL:
    """The owner's URL, signing in as the API role instead.

    >>> str(api_url("postgresql+psycopg://o:p@h:5/db", "k")).split("@")[0][:32]
    'postgresql+psycopg://wangge_api:'
    """
    return make_url(owner_url).set(username=API_ROLE, password=api_password(secret_key))


def ensure_login(owner: Engine, secret_key: str) -> None:
    """Let the API role sign in with its derived password (the owner runs this)."""
    with owner.begin() as conn:
        alter = (
            "SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', CAST(:r AS text), CAST(:p AS text))"
        )
        statement = conn.execute(
            text(alter), {"r": API_ROLE, "p": api_password(secret_key)}
        ).scalar_one()
        conn.execute(text(statement))


def act_as(conn: Connection, user_id: int) -> None:
    """For the rest of ``conn``'s transaction, read as the API does for ``user_id``: the
    API's role under its policies. Jobs a user started read their data this way, so an
    analysis sees what its owner may see, although the worker runs as the owner."""
    conn.execute(text(f"SET LOCAL ROLE {API_ROLE}"))
    conn.execute(text("SELECT set_config('wangge.user_id', :u, true)"), {"u": str(user_id)})


def job_owner_id(conn: Connection, job_id: object) -> int | None:
    """The account id of the user who started job ``job_id`` (None: a job of the CLI's)."""
    found = conn.execute(
        text("SELECT u.id FROM job j JOIN user_account u ON u.name = j.owner WHERE j.id = :j"),
        {"j": job_id},
    )
    return found.scalar()


def name_users(engine: Engine) -> None:
    """Make every connection ``engine`` hands out carry the current request's user."""

    @event.listens_for(engine, "checkout")
    def _name_user(dbapi_connection, connection_record, connection_proxy) -> None:
        user = request_user.get()
        with dbapi_connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('wangge.user_id', %s, false)",
                ("" if user is None else str(user),),
            )
        if not dbapi_connection.autocommit:
            dbapi_connection.commit()  # the setting outlives no transaction of its own

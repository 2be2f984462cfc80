"""The API's own database role: how the API signs in as ``wangge_api`` and names its user.

Migration 0011 makes the role (no tables, no superuser, no BYPASSRLS) and the row-level
security policies that read the user set here. The API's connections sign in as it;
the loader, the CLI and the job workers keep the owner's role.

Its password is derived from the secret key, so every API process of one deployment
agrees on it without storing another secret, and the owner sets it at the API's start
(``ensure_login``). A deployment whose DBA manages roles sets
``WANGGE_API_DATABASE_URL`` instead, and nothing is altered.

Every connection the API's engine hands out is first told whose request it serves
(``name_users``, a pool checkout event): the credential of the current request — the
SHA-256 of its bearer token or session id, from a context variable the authentication
sets — or nothing, for which the policies show no row. The database finds the user
from the credential itself (``wangge_user_id()``, migration 0011); the API's role cannot
read the credentials stored, so no SQL it runs can name itself another user.
"""

from __future__ import annotations

import hashlib
import hmac
from contextvars import ContextVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL, make_url

from gis.db.statements import query

API_ROLE = "wangge_api"

# The credential (SHA-256 of the token or session id) of the request being served.
request_credential: ContextVar[str | None] = ContextVar("wangge_credential", default=None)


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
    """Let the API role sign in with its derived password (the owner runs this).

    The server is sent the password's SCRAM verifier, never the password itself, so a
    statement log (``log_statement = ddl``) holds nothing that signs in.
    """
    with owner.begin() as conn:
        pgconn = conn.connection.dbapi_connection.pgconn
        verifier = pgconn.encrypt_password(
            api_password(secret_key).encode(), API_ROLE.encode(), b"scram-sha-256"
        ).decode()
        params = {"role": API_ROLE, "password": verifier}
        statement = conn.execute(query("gis.db", "api_role", "alter_login"), params).scalar_one()
        conn.exec_driver_sql(statement)  # no binds: the verifier holds colons


def act_as(conn: Connection, user_id: int) -> None:
    """For the rest of ``conn``'s transaction, read as the API does for ``user_id``: the
    API's role under its policies. Jobs a user started read their data this way, so an
    analysis sees what its owner may see, although the worker runs as the owner."""
    conn.execute(text(f"SET LOCAL ROLE {API_ROLE}"))
    conn.execute(query("gis.db", "api_role", "act_as_user"), {"user_id": str(user_id)})


def job_owner(conn: Connection, job_id: object) -> tuple[str | None, int | None]:
    """Who started job ``job_id``: the name recorded (None: the CLI's) and its account id
    (None when that account no longer exists)."""
    row = conn.execute(query("gis.db", "api_role", "job_owner"), {"job_id": job_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


NAME_CREDENTIAL = "SELECT set_config('wangge.credential', %s, false)"


def name_users(engine: Engine) -> None:
    """Make every connection ``engine`` hands out carry the current request's credential."""

    @event.listens_for(engine, "checkout")
    def _name_user(dbapi_connection, connection_record, connection_proxy) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(NAME_CREDENTIAL, (request_credential.get() or "",))
        if not dbapi_connection.autocommit:
            dbapi_connection.commit()  # the setting outlives no transaction of its own

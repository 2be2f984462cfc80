"""Engines for the configured database: an existing server or the embedded cluster."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from gis.db.embedded import EmbeddedCluster
from gis.errors import DatabaseUnavailable, SetupError
from gis.settings import DatabaseSettings


def database_url(settings: DatabaseSettings) -> str:
    """``WANGGE_DATABASE_URL`` if set, else the embedded cluster's URL (starting it)."""
    if settings.database_url:
        return _normalise(settings.database_url)
    return EmbeddedCluster(settings.data_dir).up().url


def make_engine(settings: DatabaseSettings, **kwargs: object) -> Engine:
    """An engine on the configured database; raises DatabaseUnavailable if it does not answer.

    The API passes ``pool_pre_ping=False``: a ping per request costs a round trip
    on every tile, and a dropped connection surfaces as a 503 once instead.
    """
    kwargs.setdefault("pool_pre_ping", True)
    # Bound values never enter an error's text: they include keys and personal data, and
    # an unexpected error is logged with its traceback (api/problems.py).
    kwargs.setdefault("hide_parameters", True)
    engine = create_engine(database_url(settings), **kwargs)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        where = engine.url.render_as_string(hide_password=True)
        reason = " ".join(str(exc.orig).split())
        raise DatabaseUnavailable(f"cannot connect to {where}: {reason}") from exc
    return engine


def make_api_engine(settings: DatabaseSettings, **kwargs: object) -> Engine:
    """An engine signed in as the API's role (``gis.db.api_role``), never the owner.

    ``WANGGE_API_DATABASE_URL`` if set; else the owner lets ``wangge_api`` sign in
    with the password derived from the secret key, and the engine uses it.
    """
    from sqlalchemy.pool import NullPool

    from gis.db import api_role

    if settings.api_database_url:
        url = _normalise(settings.api_database_url)
    else:
        owner = make_engine(settings, poolclass=NullPool)
        key = secret_key(settings)
        try:
            api_role.ensure_login(owner, key)
            owner_url = owner.url.render_as_string(hide_password=False)
            url = api_role.api_url(owner_url, key).render_as_string(hide_password=False)
        finally:
            owner.dispose()
    return make_engine(settings.model_copy(update={"database_url": url}), **kwargs)


def session_options(settings: DatabaseSettings) -> str:
    """libpq ``options`` that bound the API's sessions: its statement and idle-in-transaction
    timeouts, set once per connection rather than per request.

    >>> session_options(DatabaseSettings(statement_timeout_s=30, idle_in_transaction_timeout_s=0))
    '-c statement_timeout=30000 -c idle_in_transaction_session_timeout=0'
    """
    limits = {
        "statement_timeout": settings.statement_timeout_s,
        "idle_in_transaction_session_timeout": settings.idle_in_transaction_timeout_s,
    }
    return " ".join(f"-c {name}={round(s * 1000)}" for name, s in limits.items())


def secret_key(settings: DatabaseSettings) -> str:
    """The key protecting personal data at rest.

    ``WANGGE_SECRET_KEY`` if set; with the embedded cluster, a key generated once
    and kept beside it (mode 0600); with an external server and no key, an error,
    because a key lost with a temporary directory would lose the data.
    """
    if settings.secret_key:
        return settings.secret_key
    if settings.database_url:
        raise SetupError("set WANGGE_SECRET_KEY: it protects ID numbers and phones at rest")
    path = Path(settings.data_dir).absolute() / "secret.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: two processes starting at once agree on one key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def _normalise(url: str) -> str:
    # Users paste libpq URLs; SQLAlchemy needs the driver named.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url

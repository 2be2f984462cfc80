"""Liveness and database health."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from api.dependencies import DbConnection
from gis.errors import DatabaseUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(conn: DbConnection) -> dict:
    """OK when the database answers and has PostGIS."""
    try:
        postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar()
    except OperationalError as exc:
        raise DatabaseUnavailable(f"the database does not answer: {exc.orig}") from exc
    return {"status": "ok", "database": "ok", "postgis": postgis}

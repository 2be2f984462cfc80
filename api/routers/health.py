"""Liveness and database health."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from api.dependencies import Db
from api.schemas.health import Health
from gis.errors import DatabaseUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz(db: Db) -> dict:
    """OK when the database answers and has PostGIS."""
    try:
        postgis = await db.run(_postgis_version)
    except OperationalError as exc:
        raise DatabaseUnavailable(f"the database does not answer: {exc.orig}") from exc
    return {"status": "ok", "database": "ok", "postgis": postgis}


def _postgis_version(conn: Connection) -> str:
    return conn.execute(text("SELECT postgis_lib_version()")).scalar_one()

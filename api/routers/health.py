"""Liveness and database health."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from api.dependencies import Db
from api.schemas.health import Health
from api.schemas.problems import DATABASE
from gis.errors import DatabaseUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, responses=DATABASE)
async def healthz(db: Db) -> dict:
    """OK when the database answers and has PostGIS."""
    try:
        postgis = await db.run(_postgis_version)
    except OperationalError as exc:  # not its text: that names the host and port
        raise DatabaseUnavailable(
            "the database does not answer (it may be restarting); retry in a few seconds"
        ) from exc
    return {"status": "ok", "database": "ok", "postgis": postgis}


def _postgis_version(conn: Connection) -> str:
    return conn.execute(text("SELECT postgis_lib_version()")).scalar_one()

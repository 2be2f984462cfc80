"""The camera siting job: bound the request on the area's roads before it is queued,
then site as the job's owner sees the area (gis.cameras.siting)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine

from gis.cameras.siting import MAX_CANDIDATES, SitingRequest, site_cameras
from gis.db.api_role import job_owner
from gis.db.statements import query
from gis.errors import Forbidden, InvalidInput
from gis.places.areas import area_by_code

Progress = Any


def check(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """Every bound, and the candidates' count from the road length, before queueing."""
    request = SitingRequest(**params)
    area = area_by_code(conn, request.area)
    metres = conn.execute(query("gis.cameras", "siting", "road_length"), {"area_id": area["id"]})
    length = float(metres.scalar_one())
    if length == 0:
        raise InvalidInput(
            f"area {request.area} has no roads loaded: siting places cameras along roads",
            problems=[{"field": "area", "message": "no roads"}],
        )
    if length / request.spacing_m > MAX_CANDIDATES:
        raise InvalidInput(
            f"area {request.area} has {length / 1000:,.1f} km of roads: at spacing_m="
            f"{request.spacing_m:g} that is more than {MAX_CANDIDATES:,} candidate sites; "
            "choose a smaller area or a larger spacing_m",
            problems=[{"field": "spacing_m", "message": f"at most {MAX_CANDIDATES} candidates"}],
        )
    return params


def run_siting(
    engine: Engine, params: dict[str, Any], progress: Progress, job_id: uuid.UUID | None
) -> dict[str, Any]:
    from gis.cameras.visibility import visibility_polygons

    owner = None
    if job_id is not None:
        with engine.connect() as conn:
            name, owner = job_owner(conn, job_id)
        if name is not None and owner is None:
            raise Forbidden(f"the job's owner {name!r} is no longer an account: start it again")
    progress(0, 5)
    return site_cameras(
        engine, SitingRequest(**params), visibility_polygons, progress, as_user=owner
    )

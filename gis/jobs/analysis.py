"""The hotspot analysis job: check the request on the incidents' extent, then read,
analyse, keep the KDE surface and the ledger, and answer as the API shows it."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Connection, Engine

from gis.db.api_role import job_owner
from gis.errors import Forbidden, InvalidInput
from gis.hotspots import DensitySurface, IncidentFilter, read_incidents
from gis.hotspots.bounds import check_analysis
from gis.hotspots.ledger_store import save_ledger
from gis.hotspots.run import HotspotRequest, features, plain, run, summary
from gis.hotspots.source import incident_extent
from gis.hotspots.surfaces import save_surface

Progress = Any
LEDGER_METHODS = ("gi", "emerging")
REQUEST_FIELDS = ("resolution", "permutations", "seed", "cell_size", "bandwidth", "top_percent",
                  "step")  # fmt: skip


def _parse(params: dict[str, Any]) -> tuple[IncidentFilter, HotspotRequest]:
    where = IncidentFilter(
        area=params.get("area"), categories=params.get("categories") or None,
        since=params.get("since"), until=params.get("until"),
    )  # fmt: skip
    given = {k: params[k] for k in REQUEST_FIELDS if params.get(k) is not None}
    return where, HotspotRequest(method=params.get("method", "gi"), **given)


def _owner(engine: Engine, job_id: uuid.UUID | None) -> int | None:
    """The account the job reads as; None only for a job nobody owns (the CLI's). A job
    whose owner is no longer an account fails rather than read unscoped."""
    if job_id is None:
        return None
    with engine.connect() as conn:
        name, owner = job_owner(conn, job_id)
    if name is not None and owner is None:
        raise Forbidden(f"the job's owner {name!r} is no longer an account: start it again")
    return owner


def check(conn: Connection, params: dict[str, Any]) -> dict[str, Any]:
    """Every bound checked on the incidents' extent before anything is queued."""
    where, request = _parse(params)
    if params.get("ledger"):
        if params.get("area") is None:
            raise InvalidInput("a ledger is kept per area: give an area with ledger=true")
        if request.method not in LEDGER_METHODS:
            raise InvalidInput("a ledger follows Gi* or emerging hot spots, not this method")
    check_analysis(request, incident_extent(conn, where))
    return params


def run_analysis(
    engine: Engine, params: dict[str, Any], progress: Progress, job_id: uuid.UUID | None
) -> dict[str, Any]:
    where, request = _parse(params)
    progress(0, 3)
    owner = _owner(engine, job_id)
    incidents = read_incidents(engine, where, as_user=owner)  # its owner's scope only
    progress(1, 3)
    result = run(incidents, request)  # the database read applied the whole filter
    progress(2, 3)
    window = result.window.as_dict() if result.window is not None else None
    body: dict[str, Any] = {
        "analysis": {
            "method": request.method,
            "request": params,
            "params": plain(result.params),
            "seed": result.seed,
            "window": window,
            "summary": summary(result, request),
        }
    }
    if request.method == "knox":
        body["table"] = result.to_frame().to_dict(orient="records")
    else:
        body["features"] = json.loads(features(result, request).to_json(drop_id=True))
    progress(3, 3)  # the last chance to stop: what follows is kept
    with engine.begin() as conn:
        if isinstance(result, DensitySurface):
            key = save_surface(conn, result, job_id)
            body["surface_id"] = key
            body["tiles"] = f"/tiles/kde/{key}/{{z}}/{{x}}/{{y}}.png"
    if params.get("ledger"):
        table = save_ledger(engine, params["area"], result)
        body["ledger"] = json.loads(table.to_json(orient="records"))
    return body

"""Hotspot analyses over HTTP: GeoJSON results, KDE surfaces as PNG tiles, ledgers."""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from api.schemas.analyses import HotspotBody, HotspotResult
from api.schemas.base import body_of
from api.schemas.jobs import Job
from gis.errors import InvalidInput, NotFound
from gis.hotspots import DensitySurface, IncidentFilter, count_incidents, read_incidents
from gis.hotspots.ledger_store import save_ledger
from gis.hotspots.run import HotspotRequest, features, plain, run, summary
from tiles.density import render_png
from tiles.mvt import MAX_ZOOM

router = APIRouter(tags=["analyses"])
LARGE = 100_000  # incidents above which the analysis runs as a job
KEEP_SURFACES = 8


class Surfaces:
    """The latest KDE surfaces, by id, for their PNG tiles (bounded, in memory)."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, DensitySurface] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, surface: DensitySurface) -> str:
        key = uuid.uuid4().hex[:12]
        with self._lock:
            self._items[key] = surface
            while len(self._items) > KEEP_SURFACES:
                self._items.popitem(last=False)
        return key

    def get(self, key: str) -> DensitySurface:
        surface = self._items.get(key)
        if surface is None:
            raise NotFound(f"there is no density surface {key!r}: run the KDE analysis again")
        return surface


@router.post(
    "/api/v1/analyses/hotspots",
    response_model=HotspotResult,
    response_model_exclude_unset=True,
    responses={202: {"model": Job, "description": "A large analysis runs as a job."}},
)
def post_hotspots(body: HotspotBody, request: Request) -> dict | Response:
    """Run a hotspot analysis of incidents; large inputs run as a job (202, Location)."""
    engine = request.app.state.engine
    where = IncidentFilter(area=body.area, categories=body.categories or None,
                           since=body.since, until=body.until)  # fmt: skip
    n = count_incidents(engine, where)
    if n == 0:
        raise InvalidInput("no incidents match: widen the area, categories or time window")
    hotspot = HotspotRequest(
        method=body.method, resolution=body.resolution, permutations=body.permutations,
        seed=body.seed, cell_size=body.cell_size, bandwidth=body.bandwidth,
        top_percent=body.top_percent, step=body.step,
    )  # fmt: skip

    def work(progress=None) -> dict:  # the reading too, so a large one runs in the job
        return _analyse(request, body, hotspot, read_incidents(engine, where))

    if n > LARGE:
        job = request.app.state.jobs.submit("hotspots", work)
        # A Response of its own: the route's model is the 200 body's, not the job's.
        return Response(
            Job.model_validate(job.as_dict()).model_dump_json(),
            status_code=202,
            media_type="application/json",
            headers={"Location": f"/api/v1/jobs/{job.id}"},
        )
    return work()


def _analyse(request: Request, body: HotspotBody, hotspot: HotspotRequest, incidents) -> dict:
    result = run(incidents, hotspot)
    window = result.window.as_dict() if result.window is not None else None
    out: dict[str, Any] = {
        "analysis": {
            "method": body.method,
            "request": body.model_dump(),
            "params": plain(result.params),
            "seed": result.seed,
            "window": window,
            "summary": summary(result, hotspot),
        }
    }
    if body.method == "knox":
        out["table"] = result.to_frame().to_dict(orient="records")
    else:
        out["features"] = json.loads(features(result, hotspot).to_json(drop_id=True))
    if isinstance(result, DensitySurface):
        key = request.app.state.surfaces.add(result)
        out["surface_id"] = key
        out["tiles"] = f"{str(request.base_url).rstrip('/')}/tiles/kde/{key}/{{z}}/{{x}}/{{y}}.png"
    if body.ledger:
        if body.area is None:
            raise InvalidInput("a ledger is kept per area: give an area with ledger=true")
        table = save_ledger(request.app.state.engine, body.area, result)
        out["ledger"] = json.loads(table.to_json(orient="records"))
    return out


@router.get(
    "/tiles/kde/{surface_id}/{z}/{x}/{y}.png",
    tags=["tiles"],
    response_class=Response,
    responses={200: body_of("image/png", "The density tile.")},
)
def get_density_tile(
    surface_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
    z: int,
    x: int,
    y: int,
    request: Request,
) -> Response:
    """A PNG tile of a kernel-density surface from POST /api/v1/analyses/hotspots."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist")
    surface = request.app.state.surfaces.get(surface_id)
    return Response(render_png(surface, z, x, y), media_type="image/png",
                    headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip

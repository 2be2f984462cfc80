"""Hotspot analyses over HTTP: each runs as a job; KDE surfaces as PNG tiles."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Path, Request, Response

from api.auth import Analyst, permit
from api.dependencies import Db
from api.schemas.analyses import HotspotBody, HotspotResult
from api.schemas.base import body_of
from api.schemas.jobs import Job
from gis.accounts.scope import check_area
from gis.errors import InvalidInput
from gis.hotspots.surfaces import StoredSurface, load_surface
from tiles.density import render_png
from tiles.mvt import MAX_ZOOM

router = APIRouter(tags=["analyses"])
KEEP_SURFACES = 8


class Surfaces:
    """The surfaces whose tiles were drawn last, kept in memory (bounded). Used on the
    event loop only; a surface that many tiles ask for at once is loaded once."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, StoredSurface] = OrderedDict()
        self._loading: dict[str, anyio.Lock] = {}

    async def get(self, key: str, load: Callable[[], Awaitable[StoredSurface]]) -> StoredSurface:
        lock = self._loading.setdefault(key, anyio.Lock())
        async with lock:
            if key not in self._items:
                self._items[key] = await load()
                while len(self._items) > KEEP_SURFACES:
                    self._items.popitem(last=False)
            self._items.move_to_end(key)
            surface = self._items[key]
        if not lock.statistics().tasks_waiting:
            self._loading.pop(key, None)
        return surface


@router.post(
    "/api/v1/analyses/hotspots",
    status_code=202,
    response_model=Job,
    responses={200: {"model": HotspotResult, "description": "The result of a done job."}},
)
async def post_hotspots(
    body: HotspotBody, request: Request, response: Response, user: Analyst
) -> dict:
    """Analyse incidents for hotspots, as a job: the request is checked against its bounds
    first (a problem now, not a failed job); the job's result is a ``HotspotResult``."""
    if body.area is not None:  # a ledger of an area is shared: only its own people's
        await request.app.state.database.run(check_area, user, body.area)
    return await request.app.state.jobs.submit("hotspots", body.model_dump(), response, owner=user)


@router.get(
    "/tiles/kde/{surface_id}/{z}/{x}/{y}.png",
    tags=["tiles"],
    response_class=Response,
    responses={200: body_of("image/png", "The density tile.")},
    dependencies=[permit("analyses:run")],
)
async def get_density_tile(
    surface_id: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
    z: int,
    x: int,
    y: int,
    request: Request,
    db: Db,
) -> Response:
    """A PNG tile of a kernel-density surface made by a hotspots job (its ``tiles``)."""
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise InvalidInput(f"tile {z}/{x}/{y} does not exist")
    surfaces: Surfaces = request.app.state.surfaces
    surface = await surfaces.get(surface_id, lambda: db.run(load_surface, surface_id))
    png = await anyio.to_thread.run_sync(render_png, surface, z, x, y)
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=3600"})

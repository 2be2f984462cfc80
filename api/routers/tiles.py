"""Vector tiles and TileJSON, with ETags that change exactly when the data does."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from api.dependencies import DbConnection
from tiles.layers import LAYERS
from tiles.mvt import etag, render, tile_query, version
from tiles.tilejson import tilejson

router = APIRouter(prefix="/tiles", tags=["tiles"])
MVT = "application/vnd.mapbox-vector-tile"

Layer = Annotated[str, Path(description=f"One of: {', '.join(LAYERS)}")]
Categories = Annotated[
    list[str] | None, Query(alias="category", description="Incident categories (repeatable).")
]
Statuses = Annotated[
    list[str] | None, Query(alias="status", description="Incident statuses (repeatable).")
]


@router.get("")
def list_layers() -> dict:
    """The layers and their zoom ranges."""
    return {
        name: {"minzoom": s.minzoom, "maxzoom": s.maxzoom, "description": s.description}
        for name, s in LAYERS.items()
    }


@router.get("/{layer}.json")
def get_tilejson(layer: Layer, request: Request, conn: DbConnection) -> dict:
    """TileJSON 3.0 for a layer; query parameters are passed on to its tile URLs."""
    tile_query(layer, 0, 0, 0)  # 404 for an unknown layer
    base = str(request.base_url).rstrip("/")
    return tilejson(conn, layer, base, dict(request.query_params))


@router.get("/{layer}/{z}/{x}/{y}.mvt", response_class=Response)
async def get_tile(
    layer: Layer,
    z: int,
    x: int,
    y: int,
    request: Request,
    plan: Annotated[int | None, Query(description="Grid plan id (grids layer).")] = None,
    categories: Categories = None,
    statuses: Statuses = None,
    since: Annotated[datetime | None, Query(description="Incidents reported at or after.")] = None,
    until: Annotated[datetime | None, Query(description="Incidents reported before.")] = None,
) -> Response:
    """One Mapbox Vector Tile. Revalidate with If-None-Match: 304 while the data is unchanged."""
    q = tile_query(
        layer, z, x, y,
        plan=plan,
        categories=tuple(categories) if categories else None,
        statuses=tuple(statuses) if statuses else None,
        since=since, until=until,
    )  # fmt: skip
    cache = request.app.state.tile_cache
    known = _if_none_match(request)
    data = None
    async with request.app.state.tile_pool.connection() as conn:
        if known or cache.has(q.key()):  # a cheap version check may spare the rendering
            tag = etag(q, await version(conn, q))
            if tag in known:
                return Response(status_code=304, headers=_headers(tag))
            data = cache.get(q.key(), tag)
        if data is None:
            data_version, data = await render(conn, q)
            tag = etag(q, data_version)
            cache.put(q.key(), tag, data)
    return Response(content=data, media_type=MVT, headers=_headers(tag))


def _headers(tag: str) -> dict[str, str]:
    return {"ETag": tag, "Cache-Control": "no-cache"}


def _if_none_match(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}

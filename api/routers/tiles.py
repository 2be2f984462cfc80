"""Vector tiles and TileJSON, with ETags that change exactly when the data does."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.auth import permit
from api.dependencies import Db
from api.schemas.base import body_of
from api.schemas.problems import DATABASE, NAMED
from api.schemas.tiles import LayerInfo, TileJSON
from gis.db.api_role import request_credential
from tiles.database import user_connection
from tiles.layers import LAYERS
from tiles.mvt import MAX_ZOOM, PLAN_ID_MAX, etag, render, tile_filters, tile_query, version
from tiles.tilejson import tilejson

router = APIRouter(prefix="/tiles", tags=["tiles"], dependencies=[permit("maps:read")])
MVT = "application/vnd.mapbox-vector-tile"

Layer = Annotated[
    str, Path(description=f"One of: {', '.join(LAYERS)}", json_schema_extra={"enum": list(LAYERS)})
]
# Documented, not validated here: tile_query checks them and says which is wrong.
Zoom = Annotated[int, Path(json_schema_extra={"minimum": 0, "maximum": MAX_ZOOM})]
Column = Annotated[
    int,
    Path(description="0 .. 2^z - 1", json_schema_extra={"minimum": 0, "maximum": 2**MAX_ZOOM - 1}),
]

# The tile route reads its query parameters itself (tiles.mvt.tile_filters); they are
# documented here. On the busiest route FastAPI's validation of each one cost about
# 7 % of the tiles served per second at zoom 16.
_ARRAY = {"type": "array", "items": {"type": "string"}}
_TIME = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}
TILE_PARAMETERS = [
    {"name": "plan", "in": "query",
     "schema": {"type": "integer", "minimum": 1, "maximum": PLAN_ID_MAX},
     "description": "Grid plan id (grids layer); default: the published plan."},
    {"name": "category", "in": "query", "schema": _ARRAY, "explode": True,
     "description": "Incident categories (repeatable)."},
    {"name": "status", "in": "query", "schema": _ARRAY, "explode": True,
     "description": "Incident statuses (repeatable)."},
    {"name": "since", "in": "query", "schema": _TIME,
     "description": "Incidents reported at or after (ISO 8601; a date alone, or a time "
                    "without a zone, only with an until that has none either)."},
    {"name": "until", "in": "query", "schema": _TIME,
     "description": "Incidents reported before (ISO 8601)."},
]  # fmt: skip


@router.get("", response_model=dict[str, LayerInfo])
async def list_layers() -> dict:
    """The layers and their zoom ranges."""
    return {
        name: {"minzoom": s.minzoom, "maxzoom": s.maxzoom, "description": s.description}
        for name, s in LAYERS.items()
    }


@router.get("/{layer}.json", response_model=TileJSON, responses=NAMED | DATABASE)
async def get_tilejson(layer: Layer, request: Request, db: Db) -> dict:
    """TileJSON 3.0 for a layer; query parameters are passed on to its tile URLs."""
    tile_query(layer, 0, 0, 0)  # 404 for an unknown layer
    base = str(request.base_url).rstrip("/")
    return await db.run(tilejson, layer, base, dict(request.query_params))


@router.get(
    "/{layer}/{z}/{x}/{y}.mvt",
    response_class=Response,
    responses={
        200: body_of(MVT, "The tile."),
        304: {"description": "Not modified: the ETag sent in If-None-Match still holds."},
        **NAMED,
        **DATABASE,
    },
    openapi_extra={"parameters": TILE_PARAMETERS},
)
async def get_tile(layer: Layer, z: Zoom, x: Column, y: Column, request: Request) -> Response:
    """One Mapbox Vector Tile. Revalidate with If-None-Match: 304 while the data is unchanged."""
    query = {key: request.query_params.getlist(key) for key in request.query_params}
    user = request.state.user
    q = tile_query(layer, z, x, y, **tile_filters(query), scope=user.scope or "*")
    cache = request.app.state.tile_cache
    known = _if_none_match(request)
    data = None
    async with user_connection(request.app.state.tile_pool, request_credential.get()) as conn:
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
    # private: a shared cache must not hand one user's tile to another.
    return {"ETag": tag, "Cache-Control": "private, no-cache"}


def _if_none_match(request: Request) -> set[str]:
    header = request.headers.get("if-none-match", "")
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}

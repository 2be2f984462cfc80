"""Tile layers and TileJSON (``tiles.tilejson``)."""

from __future__ import annotations

from pydantic import Field

from api.schemas.base import Schema


class LayerInfo(Schema):
    minzoom: int
    maxzoom: int
    description: str


class VectorLayer(Schema):
    id: str
    fields: dict[str, str] = Field(description="Attribute name to String or Number.")
    minzoom: int
    maxzoom: int


class TileJSON(Schema):
    """TileJSON 3.0.0 of a layer."""

    tilejson: str
    name: str
    description: str
    scheme: str
    tiles: list[str]
    minzoom: int
    maxzoom: int
    bounds: list[float]
    center: tuple[float, float, int] = Field(description="lon, lat, zoom.")
    vector_layers: list[VectorLayer]

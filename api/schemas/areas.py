"""Areas (``gis.places.areas``): the tree, one area with statistics, children and grids."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.base import Schema

AreaLevel = Literal["district", "street", "community"]


class AreaNode(Schema):
    """An area in the tree, with the areas under it."""

    code: str
    name: str
    level: AreaLevel
    kind: str | None = Field(description="urban or rural, for communities.")
    children: list[AreaNode]


class AreaStats(Schema):
    """Counts summed over every community under an area (``gis.places.areas.STAT_FIELDS``)."""

    communities: int
    buildings: int
    households: int
    floating_households: int
    persons: int
    floating_persons: int
    cameras: int
    open_incidents: int
    grids: int = Field(description="Grids of published plans.")
    grid_workers: int


class AreaRef(Schema):
    """An area above this one, for the breadcrumb."""

    code: str
    name: str
    level: AreaLevel


class AreaChild(Schema):
    code: str
    name: str
    level: AreaLevel
    kind: str | None
    stats: AreaStats


class PublishedGrid(Schema):
    """A grid of the published plan in a community."""

    code: str
    name: str | None
    households: int = Field(description="Households when the plan was made.")
    area_m2: float
    buildings: int


class AreaDetail(Schema):
    """One area: breadcrumb, statistics, children; ``grids`` for communities only,
    ``geometry`` when asked for."""

    code: str
    name: str
    level: AreaLevel
    kind: str | None
    area_km2: float
    bbox: list[float] = Field(description="minlon, minlat, maxlon, maxlat (EPSG:4326).")
    ancestors: list[AreaRef] = Field(description="From the district down.")
    stats: AreaStats
    children: list[AreaChild]
    grids: list[PublishedGrid] | None = Field(
        None, description="A community's grids under the published plan."
    )
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON boundary (EPSG:4326).")

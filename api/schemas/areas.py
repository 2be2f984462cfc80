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


SMALL = "null when withheld: under 5, for a reader who may not see households (`suppressed`)."
SUPPRESSED = (
    "The counts withheld from this reader (null above): counts of persons and households "
    "under 5, and a sibling's to keep them from being worked out, for a role without "
    "households:read (docs/personal-data.md). Empty when nothing is withheld."
)


class AreaStats(Schema):
    """Counts summed over every community under an area (``gis.places.areas.STAT_FIELDS``)."""

    communities: int
    buildings: int
    households: int | None = Field(description=SMALL)
    floating_households: int | None = Field(description=SMALL)
    persons: int | None = Field(description=SMALL)
    floating_persons: int | None = Field(description=SMALL)
    cameras: int
    open_incidents: int
    grids: int = Field(description="Grids of published plans.")
    grid_workers: int
    suppressed: list[str] = Field(description=SUPPRESSED)


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
    households: int | None = Field(description="Households when the plan was made; " + SMALL)
    area_m2: float
    buildings: int
    suppressed: list[str] = Field(description=SUPPRESSED)


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

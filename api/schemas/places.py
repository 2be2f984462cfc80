"""Below the areas (``gis.places``): buildings, grids, households and search."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.schemas.areas import SMALL, SUPPRESSED
from api.schemas.base import Schema

HouseholdKind = Literal["registered", "resident", "floating", "rental"]


class BuildingItem(Schema):
    code: str
    address: str | None
    levels: int | None
    kind: str | None
    households: int
    community_code: str | None
    lon: float = Field(description="A point on the footprint (EPSG:4326).")
    lat: float


class BuildingPage(Schema):
    """A page of buildings; ``next_offset`` is null on the last page."""

    items: list[BuildingItem]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class BuildingHousehold(Schema):
    code: str
    room: str | None
    kind: HouseholdKind
    members: int = Field(description="Members as registered.")
    persons: int = Field(description="Persons on record.")
    floating: int = Field(description="Floating persons on record.")


class BuildingDetail(Schema):
    """One building, its grid under the published plan, and its households."""

    code: str
    address: str | None
    levels: int | None
    kind: str | None
    households_declared: int
    community_code: str | None
    community_name: str | None
    grid_code: str | None
    grid_name: str | None
    geometry: dict[str, Any] = Field(description="GeoJSON footprint (EPSG:4326).")
    households: list[BuildingHousehold] = Field(
        description="Its households; empty for a reader without households:read."
    )
    persons: int | None = Field(description="Residents; null when withheld (under 5).")
    suppressed: list[str] = Field(
        default_factory=list, description="The counts withheld from this reader."
    )


class GridStats(Schema):
    """Live counts of what a grid holds."""

    buildings: int
    households: int | None = Field(description=SMALL)
    persons: int | None = Field(description=SMALL)
    floating_persons: int | None = Field(description=SMALL)
    open_incidents: int
    cameras: int
    grid_workers: int
    suppressed: list[str] = Field(description=SUPPRESSED)


class GridDetail(Schema):
    """One grid of the published plan."""

    code: str
    name: str | None
    plan_id: int
    community_code: str
    community_name: str
    area_m2: float
    bbox: list[float] = Field(description="minlon, minlat, maxlon, maxlat (EPSG:4326).")
    stats: GridStats


class Person(Schema):
    """A member of a household; ID number and phone only masked."""

    code: str
    name: str
    id_number: str | None = Field(description="Masked: first 2, last 1: 33***************2.")
    phone: str | None = Field(description="Masked: first 3, last 2: 138******78.")
    birth_year: int | None
    sex: Literal["M", "F"] | None
    tags: list[str]


class HouseholdDetail(Schema):
    code: str
    room: str | None
    kind: HouseholdKind
    members: int
    building_code: str
    address: str | None
    persons: list[Person]


class SearchResult(Schema):
    """An area, grid or building matching the search."""

    type: Literal["area", "grid", "building"]
    level: str | None = Field(description="An area's level or a building's kind.")
    code: str
    label: str = Field(description="Name, or address for buildings.")
    lon: float
    lat: float

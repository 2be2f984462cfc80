"""Bounded requests: pages, bounding boxes, and the limits that keep answers small."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyproj import Geod

from gis.errors import InvalidInput

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000  # far past any list a community, grid or box holds
MAX_BBOX_KM2 = 100.0  # a few streets: more belongs in tiles, not a list
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class PageRequest:
    limit: int = 100
    offset: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, not {self.limit}")
        if not 0 <= self.offset <= MAX_OFFSET:
            raise InvalidInput(f"offset must be between 0 and {MAX_OFFSET:,}, not {self.offset}")


def page(items: list[dict[str, Any]], total: int, request: PageRequest) -> dict[str, Any]:
    """A page of ``items`` with where to go next."""
    following = request.offset + len(items)
    return {
        "items": items,
        "total": total,
        "limit": request.limit,
        "offset": request.offset,
        "next_offset": following if following < total else None,
    }


def parse_bbox(text: str, max_km2: float = MAX_BBOX_KM2) -> tuple[float, float, float, float]:
    """``minlon,minlat,maxlon,maxlat`` in EPSG:4326, checked for sense and size."""
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput(
            f"bbox {text!r} must be four numbers: minlon,minlat,maxlon,maxlat"
        ) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise InvalidInput(
            f"bbox {text!r} is not a lon/lat box with min < max (EPSG:4326, degrees)"
        )
    area_km2 = (
        abs(_GEOD.polygon_area_perimeter([west, east, east, west], [south, south, north, north])[0])
        / 1e6
    )
    if area_km2 > max_km2:
        raise InvalidInput(
            f"bbox covers {area_km2:,.0f} km², more than the {max_km2:,.0f} km² a list may "
            "cover; zoom in, or use the vector tiles for wide views"
        )
    return west, south, east, north

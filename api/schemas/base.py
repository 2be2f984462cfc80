"""What the response schemas share: strictness, GeoJSON collections, non-JSON bodies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# Area codes are 12 ASCII digits (GB/T 2260 and the statistical division codes).
AREA_CODE = r"^[0-9]{12}$"


class Schema(BaseModel):
    """A response body. A field the schema does not list is refused (a 500 and a failing
    test), so a field added in the core is never silently dropped from a response."""

    model_config = ConfigDict(extra="forbid")


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (EPSG:4326); features are not typed further."""

    model_config = ConfigDict(extra="allow")  # bbox, crs and foreign members pass through

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


def body_of(media_type: str, description: str, fmt: str = "binary") -> dict[str, Any]:
    """A ``responses=`` entry for a body that is not JSON: tiles, images, pages."""
    schema = {"type": "string", "format": fmt} if fmt else {"type": "string"}
    return {"description": description, "content": {media_type: {"schema": schema}}}

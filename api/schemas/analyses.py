"""Hotspot analyses: the request, echoed in the result, and the result."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from api.schemas.base import AREA_CODE, FeatureCollection, Schema

Method = Literal["gi", "lisa", "kde", "emerging", "knox"]


class HotspotBody(BaseModel):
    """What to analyse and how."""

    method: Method = "gi"
    area: str | None = Field(
        None, pattern=AREA_CODE, description="Area code; all incidents when absent."
    )
    categories: list[str] | None = None
    since: str | None = Field(None, description="Reported at or after (ISO 8601).")
    until: str | None = Field(None, description="Reported before (ISO 8601).")
    resolution: int | None = Field(None, ge=4, le=12, description="H3 resolution.")
    permutations: int | None = Field(
        None, ge=0, le=9999, description="Default: 999 for gi and lisa, 99 for knox."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1)
    cell_size: float = Field(20.0, ge=5, le=1000, description="KDE cell, metres.")
    bandwidth: float | None = Field(None, gt=0, le=20_000, description="KDE bandwidth, metres.")
    top_percent: float = Field(5.0, gt=0, le=50)
    step: str = "7D"
    ledger: bool = Field(False, description="Save the hot places; compare with the last run.")


class DataWindow(Schema):
    """What the analysis saw: the window asked for, the first and last incident in it."""

    start: str | None = Field(description="ISO 8601.")
    end: str | None
    first: str | None
    last: str | None
    categories: list[str] | None
    n_incidents: int
    bounds: list[float] = Field(description="minlon, minlat, maxlon, maxlat.")


class Analysis(Schema):
    method: Method
    request: HotspotBody
    params: dict[str, Any] = Field(description="The method's parameters as used.")
    seed: int | None
    window: DataWindow | None
    summary: str


class KnoxRow(Schema):
    """Pairs of incidents close in space and time, observed against expected."""

    space_band: str
    time_band: str
    observed: int
    expected: float
    ratio: float
    p: float


class HotspotResult(Schema):
    """An analysis; ``features`` for every method but knox, whose result is ``table``;
    ``surface_id`` and ``tiles`` for kde; ``ledger`` when asked for."""

    analysis: Analysis
    features: FeatureCollection | None = None
    table: list[KnoxRow] | None = None
    surface_id: str | None = None
    tiles: str | None = Field(None, description="PNG tile URL template of the density.")
    ledger: list[dict[str, Any]] | None = Field(
        None,
        description="Hot places (place, status new/still hot/cooled, ranks, counts, "
        "category, trend, community_code, community_name, grid_code).",
    )

"""Run a hotspot analysis by name, describe what it found, write it out, keep its ledger.

The CLI (`wangge hotspots`) and the API (`POST /api/v1/analyses/hotspots`) both
come through here, so a method means the same thing wherever it is asked for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from gis.errors import InvalidInput
from gis.hotspots import (
    DensitySurface,
    EmergingResult,
    GiStarResult,
    KnoxResult,
    LocalMoranResult,
    build_ledger,
    compare_ledgers,
    emerging_hotspots,
    getis_ord,
    kernel_density,
    knox_test,
    local_moran,
)
from gis.hotspots.ledger import Ledger

Method = Literal["gi", "lisa", "kde", "emerging", "knox"]
METHODS: tuple[str, ...] = ("gi", "lisa", "kde", "emerging", "knox")
Result = GiStarResult | LocalMoranResult | DensitySurface | EmergingResult | KnoxResult


@dataclass(frozen=True)
class HotspotRequest:
    """What to analyse and how; None means the method's documented default."""

    method: Method
    categories: tuple[str, ...] | None = None
    since: str | None = None
    until: str | None = None
    resolution: int | None = None
    permutations: int = 999
    seed: int = 0
    cell_size: float = 20.0
    bandwidth: float | None = None
    top_percent: float = 5.0
    step: str = "7D"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            choices = ", ".join(METHODS)
            raise InvalidInput(f"unknown method {self.method!r}; choose one of {choices}")


def run(incidents: gpd.GeoDataFrame, request: HotspotRequest) -> Result:
    """Run ``request.method`` on ``incidents`` (points with reported_at and category)."""
    window = {"categories": request.categories, "start": request.since, "end": request.until}
    r = request
    if r.method == "gi":
        return getis_ord(incidents, resolution=r.resolution, permutations=r.permutations,
                         seed=r.seed, **window)  # fmt: skip
    if r.method == "lisa":
        return local_moran(incidents, resolution=r.resolution, permutations=r.permutations,
                           seed=r.seed, **window)  # fmt: skip
    if r.method == "kde":
        return kernel_density(incidents, cell_size=r.cell_size, bandwidth=r.bandwidth, **window)
    if r.method == "emerging":
        return emerging_hotspots(incidents, resolution=r.resolution, step=r.step, **window)
    return knox_test(incidents, permutations=r.permutations, seed=r.seed, **window)


def features(result: Result, request: HotspotRequest) -> gpd.GeoDataFrame:
    """The result as features in EPSG:4326 (KDE: its hotspot polygons)."""
    if isinstance(result, DensitySurface):
        return result.hotspot_polygons(request.top_percent)
    return result.to_geodataframe()


def summary(result: Result, request: HotspotRequest) -> str:
    """A few lines saying what the analysis found, for the CLI and the API."""
    window = result.window
    head = f"{request.method}: {window.n_incidents if window is not None else '?'} incidents"
    if isinstance(result, GiStarResult):
        bins = pd.Series(result.gi_bin).value_counts()
        hot = {b: int(bins.get(b, 0)) for b in (3, 2, 1)}
        cold = {b: int(bins.get(-b, 0)) for b in (3, 2, 1)}
        return (
            f"{head} in {len(result.gi_bin)} places; hot spots at 99/95/90 %: "
            f"{hot[3]}/{hot[2]}/{hot[1]}; cold spots: {cold[3]}/{cold[2]}/{cold[1]}"
        )
    if isinstance(result, LocalMoranResult):
        counts = pd.Series(result.cluster).value_counts().to_dict()
        return f"{head}; clusters: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    if isinstance(result, DensitySurface):
        polygons = result.hotspot_polygons(request.top_percent)
        return (
            f"{head}; bandwidth {result.bandwidth:.0f} m, {result.cell_size:.0f} m cells; "
            f"{len(polygons)} hotspot polygons cover the densest {request.top_percent:g} %"
        )
    if isinstance(result, EmergingResult):
        counts = pd.Series(result.category).value_counts()
        found = counts.drop(labels=["no pattern detected"], errors="ignore")
        listed = ", ".join(f"{k} {v}" for k, v in found.items()) or "no pattern anywhere"
        return f"{head} in {len(result.category)} cells × {result.z.shape[1]} steps; {listed}"
    closest = result.to_frame().iloc[0]
    return (f"{head}; pairs within {closest['space_band']} and {closest['time_band']}: "
            f"{int(closest['observed'])} observed, {float(closest['expected']):.1f} expected "
            f"(ratio {float(closest['ratio']):.2f}, p {float(closest['p']):.3f})")  # fmt: skip


def check_output(out: Path, method: str) -> None:
    """Refuse an output the method cannot write, before any work is done."""
    suffix = out.suffix.lower()
    if suffix not in (".geojson", ".gpkg", ".tif", ".tiff"):
        raise InvalidInput(f"unknown output type {suffix!r}: use .geojson, .gpkg or .tif")
    if suffix in (".tif", ".tiff") and method != "kde":
        raise InvalidInput("GeoTIFF output is for --method kde; use .geojson or .gpkg")


def write(result: Result, request: HotspotRequest, out: Path) -> Path:
    """Write GeoJSON, GeoPackage, or (KDE) a Cloud-Optimized GeoTIFF, by suffix."""
    check_output(out, request.method)
    suffix = out.suffix.lower()
    if suffix in (".tif", ".tiff"):
        result.to_cog(str(out))
    elif suffix == ".geojson":
        features(result, request).to_file(out, driver="GeoJSON")
    else:
        features(result, request).to_file(out, layer=request.method, driver="GPKG")
    return out


# -- ledgers -------------------------------------------------------------------------


def save_ledger(engine: Engine, area: str, result: Result) -> pd.DataFrame:
    """Keep the ranked hot places of ``result`` and compare them with the last ledger
    of the same area and places: each place comes back "new", "still hot" or "cooled"."""
    if not isinstance(result, GiStarResult | EmergingResult):
        raise InvalidInput("a ledger follows Gi* or emerging hot spots, not this method")
    ledger = build_ledger(result)
    with engine.begin() as conn:
        ledger = replace(ledger, entries=_with_names(conn, ledger))
        previous = conn.execute(
            text(
                "SELECT entries FROM hotspot_ledger WHERE area_code = :area AND places = :places "
                "ORDER BY id DESC LIMIT 1"
            ),
            {"area": area, "places": ledger.places},
        ).scalar()
        conn.execute(
            text(
                "INSERT INTO hotspot_ledger (area_code, places, params, entries) "
                "VALUES (:area, :places, CAST(:params AS jsonb), CAST(:entries AS jsonb))"
            ),
            {"area": area, "places": ledger.places, "params": json.dumps(plain(ledger.params)),
             "entries": ledger.entries.to_json(orient="records")},
        )  # fmt: skip
    if previous is None:
        frame = ledger.to_frame()
        frame["status"] = "new"
        return frame
    before = Ledger(ledger.places, pd.DataFrame(previous), {}, ledger.window)
    described = pd.concat([ledger.entries, before.entries]).drop_duplicates("place")
    details = described.reindex(columns=["place", *PLACE_DETAILS])
    return compare_ledgers(before, ledger).merge(details, on="place", how="left")


PLACE_DETAILS = ["trend", "community_code", "community_name", "grid_code"]
_NAMES = """
SELECT c.code AS community_code, c.name AS community_name, g.code AS grid_code
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, n)
LEFT JOIN LATERAL (
    SELECT a.code, a.name FROM area a
    WHERE a.level = 'community'
      AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY a.code LIMIT 1
) c ON true
LEFT JOIN LATERAL (
    SELECT g.code FROM grid g JOIN grid_plan pl ON pl.id = g.plan_id AND pl.status = 'published'
    WHERE ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY g.code LIMIT 1
) g ON true
ORDER BY p.n
"""


def _with_names(conn: Connection, ledger: Ledger) -> pd.DataFrame:
    """The ledger's entries with the community and published grid at each place's centre,
    the names a patrol plan is written in."""
    entries = ledger.entries.reset_index(drop=True)
    if entries.empty or not ledger.places.startswith("h3"):
        return entries.assign(community_code=None, community_name=None, grid_code=None)
    centres = [h3.cell_to_latlng(str(cell)) for cell in entries["place"]]  # a few hundred
    names = pd.read_sql(
        text(_NAMES),
        conn,
        params={"lats": [c[0] for c in centres], "lons": [c[1] for c in centres]},
    )
    return pd.concat([entries, names], axis=1)


def plain(value: Any) -> Any:
    """JSON-safe copy of analysis parameters (numpy scalars, tuples, timestamps)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)

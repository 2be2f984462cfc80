"""TileJSON 3.0 documents for the layers."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import Connection, text

from tiles.layers import LAYERS


def data_bounds(conn: Connection) -> list[float]:
    """Lon/lat bounds of everything loaded (the districts), or the world."""
    row = conn.execute(
        text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT ST_Extent(geom) AS e FROM area WHERE parent_id IS NULL) s"
        )
    ).one()
    if row[0] is None:
        return [-180.0, -85.0511, 180.0, 85.0511]
    return [round(v, 6) for v in row]


def tilejson(conn: Connection, layer: str, base_url: str, query: dict[str, str]) -> dict:
    """The TileJSON of ``layer``; ``query`` (filters) is carried into the tile URL."""
    spec = LAYERS[layer]
    bounds = data_bounds(conn)
    suffix = f"?{urlencode(query)}" if query else ""
    centre_zoom = max(spec.minzoom, 11)
    return {
        "tilejson": "3.0.0",
        "name": layer,
        "description": spec.description,
        "scheme": "xyz",
        "tiles": [f"{base_url}/tiles/{layer}/{{z}}/{{x}}/{{y}}.mvt{suffix}"],
        "minzoom": spec.minzoom,
        "maxzoom": spec.maxzoom,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2, centre_zoom],
        "vector_layers": [
            {
                "id": layer,
                "fields": spec.fields,
                "minzoom": spec.minzoom,
                "maxzoom": spec.maxzoom,
            }
        ],
    }

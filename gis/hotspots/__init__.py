"""Hot spot analyses of incidents: Gi*, local Moran's I, KDE, emerging hot spots, Knox.

Every analysis is a function over a GeoDataFrame of point incidents with a time
and a category column, taking the incidents to use as one :class:`IncidentFilter`
(``where=``), and returning a frozen result that carries its parameters, data
window and seed, with ``to_geodataframe()`` and an offline ``to_folium()``.
:func:`read_incidents` reads the incidents from the database with the same filter.

>>> import geopandas as gpd, pandas as pd
>>> incidents = gpd.GeoDataFrame(
...     {"category": ["theft", "theft", "fire"],
...      "reported_at": pd.to_datetime(["2026-01-02", "2026-02-03", "2026-02-04"])},
...     geometry=gpd.points_from_xy([121.40, 121.40, 121.41], [28.50, 28.50, 28.51]), crs=4326)
>>> agg = aggregate_h3(incidents, 8, where=IncidentFilter(categories="theft", since="2026-02-01"))
>>> int(agg.counts.sum()), agg.window.categories
(1, ('theft',))
"""

from gis.hotspots.aggregate import aggregate_areas, aggregate_h3
from gis.hotspots.aggregation import Aggregation
from gis.hotspots.categories import classify
from gis.hotspots.cube import SpaceTimeCube, build_cube
from gis.hotspots.density_polygons import hotspot_polygons
from gis.hotspots.emerging import EmergingResult, emerging_hotspots, space_time_gi
from gis.hotspots.getis_ord import GiStarResult, getis_ord
from gis.hotspots.grid import aggregate_grid
from gis.hotspots.kde import DensitySurface, bandwidth_rule, kernel_density
from gis.hotspots.knox import KnoxResult, knox_test
from gis.hotspots.ledger import Ledger, build_ledger, compare_ledgers
from gis.hotspots.local_moran import LocalMoranResult, local_moran
from gis.hotspots.mann_kendall import TrendTest, mann_kendall
from gis.hotspots.raster import colorize, render_rgba, write_cog
from gis.hotspots.selection import DataWindow, IncidentFilter, select_incidents
from gis.hotspots.source import count_incidents, read_incidents
from gis.hotspots.weights import SpatialWeights, contiguity

__all__ = [
    "Aggregation",
    "DataWindow",
    "DensitySurface",
    "EmergingResult",
    "GiStarResult",
    "IncidentFilter",
    "KnoxResult",
    "Ledger",
    "LocalMoranResult",
    "SpaceTimeCube",
    "SpatialWeights",
    "TrendTest",
    "aggregate_areas",
    "aggregate_grid",
    "aggregate_h3",
    "bandwidth_rule",
    "build_cube",
    "build_ledger",
    "classify",
    "colorize",
    "compare_ledgers",
    "contiguity",
    "count_incidents",
    "emerging_hotspots",
    "getis_ord",
    "hotspot_polygons",
    "kernel_density",
    "knox_test",
    "local_moran",
    "mann_kendall",
    "read_incidents",
    "render_rgba",
    "select_incidents",
    "space_time_gi",
    "write_cog",
]

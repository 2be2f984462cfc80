"""Hot spot analyses of incidents: Gi*, local Moran's I, KDE, emerging hot spots, Knox.

Every analysis is a function over a GeoDataFrame of point incidents with a time
and a category column, returning a frozen result that carries its parameters,
data window and seed, with ``to_geodataframe()`` and an offline ``to_folium()``.

>>> from gis.hotspots import emerging_hotspots, getis_ord, kernel_density
>>> getis_ord.__name__
'getis_ord'
"""

from gis.hotspots.aggregate import Aggregation, aggregate_areas, aggregate_h3
from gis.hotspots.categories import classify
from gis.hotspots.cube import SpaceTimeCube, build_cube
from gis.hotspots.density_polygons import hotspot_polygons
from gis.hotspots.emerging import EmergingResult, emerging_hotspots, space_time_gi
from gis.hotspots.getis_ord import GiStarResult, getis_ord
from gis.hotspots.grid import aggregate_grid
from gis.hotspots.incidents import DataWindow, select_incidents
from gis.hotspots.kde import DensitySurface, bandwidth_rule, kernel_density
from gis.hotspots.knox import KnoxResult, knox_test
from gis.hotspots.ledger import Ledger, build_ledger, compare_ledgers
from gis.hotspots.local_moran import LocalMoranResult, local_moran
from gis.hotspots.mann_kendall import TrendTest, mann_kendall
from gis.hotspots.raster import colorize, render_rgba, write_cog
from gis.hotspots.weights import SpatialWeights, contiguity

__all__ = [
    "Aggregation",
    "DataWindow",
    "DensitySurface",
    "EmergingResult",
    "GiStarResult",
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
    "emerging_hotspots",
    "getis_ord",
    "hotspot_polygons",
    "kernel_density",
    "knox_test",
    "local_moran",
    "mann_kendall",
    "render_rgba",
    "select_incidents",
    "space_time_gi",
    "write_cog",
]

"""The sample-city orchestrator: boundary → areas → roads → buildings → people →
cameras → incidents, all from one seed.

Each stage draws from its own random stream spawned from the seed, so a change
in one stage leaves the others' output unchanged.
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
from tqdm import tqdm

from gis.crs import metric_crs_for
from gis.synth.areas import AreaLayout, layout_areas
from gis.synth.boundaries import UnknownDistrictError, load_boundary
from gis.synth.building_mix import community_households, community_styles
from gis.synth.buildings import build_buildings
from gis.synth.cameras import place_cameras
from gis.synth.incidents import make_incidents
from gis.synth.people import make_people
from gis.synth.profiles import PROFILES, Profile
from gis.synth.roads import build_roads, road_buffers

DEFAULT_END = date(2026, 10, 31)
_STAGES = ("boundary", "areas", "roads", "buildings", "people", "cameras", "incidents")
_AREA_COLUMNS = ["code", "name", "level", "parent_code", "kind", "geometry"]


@dataclass(frozen=True, eq=False, repr=False)
class SampleCity:
    """A generated district: areas, roads, buildings, households, persons, cameras, incidents.

    Geometries are in EPSG:4326 and every table is sorted by ``code``.
    """

    profile: Profile
    seed: int
    scale: float
    areas: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    households: pd.DataFrame
    persons: pd.DataFrame
    cameras: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    end: date = DEFAULT_END

    def summary(self) -> dict[str, int]:
        """Row counts per table, plus streets and communities.

        Examples
        --------
        >>> city = generate_city("110101", scale=0.002)
        >>> city.summary()["communities"]
        205
        """
        level = self.areas["level"]
        return {
            "areas": len(self.areas),
            "streets": int((level == "street").sum()),
            "communities": int((level == "community").sum()),
            "roads": len(self.roads),
            "buildings": len(self.buildings),
            "households": len(self.households),
            "persons": len(self.persons),
            "cameras": len(self.cameras),
            "incidents": len(self.incidents),
        }

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.summary().items())
        return (
            f"SampleCity({self.profile.adcode} {self.profile.name}, seed={self.seed}, "
            f"scale={self.scale}: {counts})"
        )


def generate_city(
    adcode: str = "331004",
    *,
    seed: int = 0,
    scale: float = 1.0,
    progress: bool = False,
    end: date | None = None,
    incident_scale: float | None = None,
) -> SampleCity:
    """Generate a sample city for a district with a profile in :data:`PROFILES`.

    Parameters
    ----------
    adcode : str
        District code; 331004 (Luqiao) by default.
    seed : int
        Seed of every random choice: same arguments, identical tables.
    scale : float
        Multiplies households, cameras and incidents; streets and communities
        keep their real counts.
    progress : bool
        Show a progress bar over the stages on stderr.
    end : date, optional
        Last day of the year of incidents (default 2026-10-31), also "today" for ages.
    incident_scale : float, optional
        Multiplies incidents alone (default: ``scale``), for analyses and benchmarks
        that need a long record over an ordinary city.

    Examples
    --------
    >>> city = generate_city("110101", seed=1, scale=0.002)
    >>> sorted(city.areas["level"].unique())
    ['community', 'district', 'street']
    """
    profile = _profile(adcode)
    if (
        isinstance(scale, bool)
        or not isinstance(scale, numbers.Real)
        or not scale > 0
        or not math.isfinite(scale)
    ):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    end = end or DEFAULT_END
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STAGES))]
    bar = tqdm(
        total=len(_STAGES),
        disable=not progress,
        file=sys.stderr,
        unit="stage",
        desc=f"{profile.name} ×{scale}",
    )
    with bar:
        tables = _run(profile, scale, incident_scale or scale, end, rngs, bar)
    return SampleCity(profile=profile, seed=seed, scale=scale, end=end, **tables)


def _profile(adcode: str) -> Profile:
    if adcode not in PROFILES:
        raise UnknownDistrictError(
            f"no profile for adcode {adcode!r}: known adcodes are {', '.join(sorted(PROFILES))}"
        )
    return PROFILES[adcode]


def _run(
    profile: Profile,
    scale: float,
    incident_scale: float,
    end: date,
    rngs: list[np.random.Generator],
    bar: tqdm,
) -> dict[str, pd.DataFrame]:
    def stage(i: int) -> np.random.Generator:
        bar.set_postfix_str(_STAGES[i])
        if i:
            bar.update(1)
        return rngs[i]

    stage(0)
    boundary = load_boundary(profile.adcode)
    crs = metric_crs_for(boundary)
    district = boundary.to_crs(crs).geometry.iloc[0]
    layout = layout_areas(district, crs, profile, stage(1))
    roads = build_roads(layout, profile.adcode, stage(2))
    rng = stage(3)
    coms = layout.communities
    styles = community_styles(coms, layout.cores, profile)
    held = community_households(coms, profile, scale, rng, styles)
    built = build_buildings(
        coms, held, _angles(layout, rng), road_buffers(roads), rng, styles, profile.tower_share
    )
    b = built.frame
    households, persons = make_people(
        b["code"].to_numpy(),
        b["levels"].to_numpy(),
        built.units,
        b["households"].to_numpy(),
        (b["kind"] == "house").to_numpy(),
        profile,
        end,
        stage(4),
    )
    cameras = place_cameras(roads, b, coms, district, profile, scale, stage(5))
    incidents = make_incidents(district, b, layout.cores, profile, incident_scale, end, stage(6))
    bar.update(1)
    bar.set_postfix_str("done")
    return {
        "areas": _areas(boundary, layout, profile),
        "roads": roads.to_crs(4326),
        "buildings": b.to_crs(4326),
        "households": households,
        "persons": persons,
        "cameras": cameras.to_crs(4326),
        "incidents": incidents.to_crs(4326),
    }


def _angles(layout: AreaLayout, rng: np.random.Generator) -> np.ndarray:
    """Lattice orientation per community: its core's street grid, or random in villages."""
    coms = layout.communities
    seeds = coms[["seed_x", "seed_y"]].to_numpy()
    nearest = np.argmin(np.linalg.norm(seeds[:, None] - layout.cores[None], axis=2), axis=1)
    rural = rng.uniform(-np.pi / 4, np.pi / 4, len(coms))
    return np.where(coms["kind"] == "urban", layout.core_angles[nearest], rural)


def _areas(boundary: gpd.GeoDataFrame, layout: AreaLayout, profile: Profile) -> gpd.GeoDataFrame:
    district = gpd.GeoDataFrame(
        {
            "code": [f"{profile.adcode}000000"],
            "name": [profile.name],
            "level": ["district"],
            "parent_code": [None],
            "kind": [None],
        },
        geometry=boundary.geometry.values,
        crs=4326,
    )
    children = [f[_AREA_COLUMNS].to_crs(4326) for f in (layout.streets, layout.communities)]
    areas = pd.concat([district, *children], ignore_index=True)
    # None (not NaN) where a value does not apply: the district has no parent and
    # only communities are urban or rural.
    level = areas["level"].to_numpy()
    parent = areas["parent_code"].astype(object).to_numpy()
    kind = areas["kind"].astype(object).to_numpy()
    areas["parent_code"] = pd.Series(np.where(level == "district", None, parent), dtype=object)
    areas["kind"] = pd.Series(np.where(level == "community", kind, None), dtype=object)
    return gpd.GeoDataFrame(areas, geometry="geometry", crs=4326).sort_values(
        "code", ignore_index=True
    )

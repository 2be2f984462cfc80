"""What a community holds: households per community, and the buildings to house them.

Urban communities get apartment blocks (walk-up, mid-rise, high-rise) until
their capacity covers the households, plus shops, offices and schools; villages
get houses of one or two households, shops, a school and small workshops.
Plans are arrays (kind, levels, units per floor, households, footprint size);
:mod:`gis.synth.buildings` places them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray

from gis.synth.profiles import Profile

# Courtyard and terrace houses touch their neighbours (old towns); towers hold
# 300–800 households; urban_village buildings are the 3–6-storey rentals of 城中村.
KINDS = (
    "apartment", "house", "shop", "office", "school", "factory",
    "courtyard", "terrace", "tower", "urban_village",
)  # fmt: skip
APARTMENT, HOUSE, SHOP, OFFICE, SCHOOL, FACTORY, COURTYARD, TERRACE, TOWER, URBAN_VILLAGE = range(
    10
)


TOWER_HOUSEHOLDS = (300, 800)
URBAN_VILLAGE_WEIGHT = 4.0
_PLAN = ("kind", "levels", "units", "households", "w", "d")


def allocate(total: int, weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Split the integer ``total`` in proportion to ``weights`` (largest remainder).

    Examples
    --------
    >>> allocate(10, np.array([1.0, 1.0, 1.0])).tolist()
    [4, 3, 3]
    """
    if len(weights) == 0:
        return np.zeros(0, dtype=np.int64)
    raw = total * np.asarray(weights, dtype=float) / np.sum(weights)
    base = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base


def community_styles(
    communities: gpd.GeoDataFrame, cores: NDArray[np.float64], profile: Profile
) -> NDArray[np.str_]:
    """How each community is built: ``estate`` (free-standing blocks) or ``village``
    (houses), or, nearest the cores, ``oldtown`` (touching courtyard houses, the
    profile's ``oldtown_share`` of urban communities, nearest the main core) and
    ``urban_village`` (城中村, ``urban_village_share`` of villages, nearest any core).

    Ranked by distance, not drawn at random: old towns are the old centre, and the
    villages a city has grown around are those nearest it.
    """
    seeds = communities[["seed_x", "seed_y"]].to_numpy()
    urban = communities["kind"].to_numpy() == "urban"
    style = np.where(urban, "estate", "village").astype("<U13")
    to_main = np.hypot(*(seeds - cores[0]).T)
    to_any = np.min(np.linalg.norm(seeds[:, None] - cores[None], axis=2), axis=1)
    for mask, dist, share, name in (
        (urban, to_main, profile.oldtown_share, "oldtown"),
        (~urban, to_any, profile.urban_village_share, "urban_village"),
    ):
        idx = np.flatnonzero(mask)
        nearest = idx[np.argsort(dist[idx], kind="stable")[: round(share * len(idx))]]
        style[nearest] = name
    return style


def community_households(
    communities: gpd.GeoDataFrame,
    profile: Profile,
    scale: float,
    rng: np.random.Generator,
    styles: NDArray[np.str_] | None = None,
) -> NDArray[np.int64]:
    """Households per community, summing exactly to ``round(profile.households * scale)``.

    A 城中村 (``styles == "urban_village"``) houses ``URBAN_VILLAGE_WEIGHT`` times as
    many households as a village of its size: its migrants rent by the room.
    """
    total = round(profile.households * scale)
    urban = communities["kind"].to_numpy() == "urban"
    if urban.all() or not urban.any():
        n_urban = total if urban.all() else 0
    else:
        n_urban = round(total * profile.urban_household_share)
    weight = rng.lognormal(0.0, 0.35, len(urban))
    weight[~urban] *= np.sqrt(communities.area.to_numpy()[~urban])
    if styles is not None:
        weight[styles == "urban_village"] *= URBAN_VILLAGE_WEIGHT
    out = np.zeros(len(urban), dtype=np.int64)
    out[urban] = allocate(n_urban, weight[urban])
    out[~urban] = allocate(total - n_urban, weight[~urban])
    return out


def plan_urban(
    households: int, rng: np.random.Generator, tower_share: float = 0.0
) -> dict[str, NDArray]:
    """Towers of 300–800 households for up to ``tower_share`` of the households, then
    apartment blocks until their capacity covers the rest, plus amenities."""
    towers = _towers(households, tower_share, rng)
    households -= int(towers["households"].sum())
    k = int(np.ceil(households / (0.8 * 24))) + 1
    tier = rng.choice(3, size=k, p=[0.35, 0.35, 0.30])  # walk-up, mid-rise, high-rise
    levels = np.select(
        [tier == 0, tier == 1],
        [rng.integers(6, 8, k), rng.integers(9, 19, k)],
        rng.integers(24, 34, k),
    )
    stairs = rng.integers(2, 4, k)
    units = np.where(tier < 2, 2 * stairs, rng.integers(4, 7, k))
    width = np.where(tier < 2, 13.0 * stairs, rng.uniform(24, 30, k))
    depth = np.where(tier == 0, 12.0, np.where(tier == 1, 14.0, rng.uniform(16, 20, k)))
    occupancy = rng.uniform(0.82, 0.97)
    capacity = levels * units
    n = int(np.searchsorted(np.cumsum(capacity) * occupancy, households) + 1)
    held = allocate(households, capacity[:n].astype(float))
    n_shop = max(1, round(0.25 * n))
    n_office = int(0.06 * n + rng.random())
    n_school = int(households / 1500 + rng.random())
    flats = {
        "kind": np.full(n, APARTMENT),
        "levels": levels[:n],
        "units": units[:n],
        "households": held,
        "w": width[:n],
        "d": depth[:n],
    }
    return _with_amenities(
        {k: np.concatenate([towers[k], flats[k]]) for k in flats},
        [
            (OFFICE, n_office, (4, 13), (24, 36), (14, 20)),
            (SCHOOL, n_school, (3, 6), (36, 42), (30, 40)),
            (SHOP, n_shop, (1, 4), (12, 20), (10, 14)),
        ],
        rng,
    )


def _towers(households: int, share: float, rng: np.random.Generator) -> dict[str, NDArray]:
    """Towers of 300–800 households (26–33 floors) holding at most ``share`` of them."""
    # A tower for every 550 households of the share, as a chance where that is less
    # than one; never more than half the community, so towers stand among blocks.
    n = 0
    if share > 0 and households >= 2 * TOWER_HOUSEHOLDS[0]:
        n = int(share * households / 550 + rng.random())
        held = rng.integers(TOWER_HOUSEHOLDS[0], TOWER_HOUSEHOLDS[1] + 1, n)
        n = int(np.searchsorted(np.cumsum(held), households / 2, side="right"))
        held = held[:n]
    if n == 0:
        return {k: np.zeros(0, float if k in ("w", "d") else np.int64) for k in _PLAN}
    levels = rng.integers(26, 34, n)
    return {
        "kind": np.full(n, TOWER),
        "levels": levels,
        "units": -(-held // levels),
        "households": held,
        "w": rng.uniform(30, 42, n),
        "d": rng.uniform(18, 24, n),
    }


def plan_rural(households: int, rng: np.random.Generator) -> dict[str, NDArray]:
    """Village houses of one or two households each, plus shops, a school, workshops."""
    pairs = round(0.25 * households)
    n = households - pairs
    held = np.ones(n, dtype=np.int64)
    held[rng.choice(n, pairs, replace=False)] = 2
    levels = rng.choice([1, 2, 3], size=n, p=[0.2, 0.5, 0.3])
    return _with_amenities(
        {
            "kind": np.full(n, HOUSE),
            "levels": levels,
            "units": np.where(levels >= held, 1, 2),
            "households": held,
            "w": rng.uniform(9, 13, n),
            "d": rng.uniform(8, 12, n),
        },
        [
            (SHOP, int(0.04 * n + rng.random()), (1, 3), (8, 14), (8, 12)),
            (SCHOOL, int(households / 800 + rng.random()), (2, 4), (16, 18), (14, 17)),
            (FACTORY, int(0.05 * n + rng.random()), (1, 4), (14, 18), (12, 16)),
        ],
        rng,
    )


def _with_amenities(
    plan: dict[str, NDArray], extra: list[tuple], rng: np.random.Generator
) -> dict[str, NDArray]:
    # The last amenity kind goes to the outermost cells (shop fronts, village workshops);
    # everything before it is shuffled over the inner cells.
    parts = [plan]
    for kind, n, lv, w, d in extra:
        parts.append(
            {
                "kind": np.full(n, kind),
                "levels": rng.integers(*lv, n),
                "units": np.ones(n, dtype=np.int64),
                "households": np.zeros(n, np.int64),
                "w": rng.uniform(*w, n),
                "d": rng.uniform(*d, n),
            }
        )
    out = {k: np.concatenate([p[k] for p in parts]) for k in plan}
    n_edge = len(parts[-1]["kind"])
    inner = rng.permutation(len(out["kind"]) - n_edge)
    order = np.concatenate([inner, np.arange(len(inner), len(out["kind"]))])
    return {k: v[order] for k, v in out.items()}

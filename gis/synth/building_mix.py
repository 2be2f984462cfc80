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

KINDS = ("apartment", "house", "shop", "office", "school", "factory")
APARTMENT, HOUSE, SHOP, OFFICE, SCHOOL, FACTORY = range(6)


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


def community_households(
    communities: gpd.GeoDataFrame, profile: Profile, scale: float, rng: np.random.Generator
) -> NDArray[np.int64]:
    """Households per community, summing exactly to ``round(profile.households * scale)``."""
    total = round(profile.households * scale)
    urban = communities["kind"].to_numpy() == "urban"
    if urban.all() or not urban.any():
        n_urban = total if urban.all() else 0
    else:
        n_urban = round(total * profile.urban_household_share)
    weight = rng.lognormal(0.0, 0.35, len(urban))
    weight[~urban] *= np.sqrt(communities.area.to_numpy()[~urban])
    out = np.zeros(len(urban), dtype=np.int64)
    out[urban] = allocate(n_urban, weight[urban])
    out[~urban] = allocate(total - n_urban, weight[~urban])
    return out


def plan_urban(households: int, rng: np.random.Generator) -> dict[str, NDArray]:
    """Apartment blocks until their capacity covers the households, plus amenities."""
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
    return _with_amenities(
        {
            "kind": np.full(n, APARTMENT),
            "levels": levels[:n],
            "units": units[:n],
            "households": held,
            "w": width[:n],
            "d": depth[:n],
        },
        [
            (OFFICE, n_office, (4, 13), (24, 36), (14, 20)),
            (SCHOOL, n_school, (3, 6), (36, 42), (30, 40)),
            (SHOP, n_shop, (1, 4), (12, 20), (10, 14)),
        ],
        rng,
    )


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

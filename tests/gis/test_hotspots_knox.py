"""Knox near-repeat test: constructed near repeats are found, random data are not."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from gis.errors import InvalidInput
from gis.hotspots import knox_test
from tests.gis.test_hotspots_synthetic import T0, make_incidents


def near_repeats(n_base: int, n_repeats: int, seed: int) -> gpd.GeoDataFrame:
    """Random burglaries, and ``n_repeats`` of them followed within 60 m and 5 days."""
    base = make_incidents(n_base, seed=seed, category="burglary")
    rng = np.random.default_rng(seed + 1)
    picked = base.iloc[rng.choice(n_base, n_repeats, replace=False)]
    metric = picked.to_crs(4549)
    angle = rng.uniform(0, 2 * np.pi, n_repeats)
    dist = rng.uniform(5, 60, n_repeats)
    moved = gpd.points_from_xy(metric.geometry.x + dist * np.cos(angle),
                               metric.geometry.y + dist * np.sin(angle), crs=4549)  # fmt: skip
    repeats = gpd.GeoDataFrame(
        {"category": "burglary",
         "reported_at": picked["reported_at"].reset_index(drop=True)
         + pd.to_timedelta(rng.uniform(0.1, 5, n_repeats), unit="D")},
        geometry=gpd.GeoSeries(moved).to_crs(4326).values, crs=4326,
    )  # fmt: skip
    return pd.concat([base, repeats], ignore_index=True)


def test_constructed_near_repeats_are_significant() -> None:
    result = knox_test(near_repeats(400, 80, seed=1), space_edges=(0, 100, 200, 400),
                       time_edges=(0, 7, 14, 28), permutations=199, seed=3)  # fmt: skip
    assert result.observed[0, 0] >= 80
    assert result.p[0, 0] == pytest.approx(1 / 200)
    assert result.ratio[0, 0] > 3
    assert result.p[2, 2] > 0.01
    table = result.to_frame()
    assert table.loc[0, "space_band"] == "0-100 m" and table.loc[0, "time_band"] == "0-7 d"
    assert result.params["seed"] == 3 and result.window.categories is None


def test_random_burglaries_show_no_near_repeat() -> None:
    result = knox_test(make_incidents(500, seed=8), permutations=199, seed=0)
    assert result.p[0, 0] > 0.05 and result.p.min() > 0.01


def test_pair_table_equals_brute_force() -> None:
    frame = make_incidents(150, seed=4)
    result = knox_test(frame, space_edges=(0, 1000, 2500), time_edges=(0, 30, 90),
                       permutations=19, seed=0)  # fmt: skip
    xy = frame.to_crs(4549).get_coordinates().to_numpy()
    days = (frame["reported_at"] - frame["reported_at"].min()).dt.total_seconds().to_numpy() / 86400
    table = np.zeros((2, 3), dtype=int)
    for i in range(len(frame)):
        for j in range(i + 1, len(frame)):
            d = np.hypot(*(xy[i] - xy[j]))
            if d < 2500:
                s = 0 if d < 1000 else 1
                dt = abs(days[i] - days[j])
                t = 0 if dt < 30 else (1 if dt < 90 else 2)
                table[s, t] += 1
    assert_array_equal(result.observed, table)
    # Permuting times keeps the total of every space band.
    assert_array_equal(result.expected.sum(axis=1), table.sum(axis=1))


def test_same_seed_same_result_and_bad_bands_are_refused() -> None:
    frame = near_repeats(100, 20, seed=2)
    a = knox_test(frame, permutations=49, seed=5)
    b = knox_test(frame, permutations=49, seed=5)
    assert_array_equal(a.p, b.p)
    with pytest.raises(InvalidInput, match="increasing"):
        knox_test(frame, space_edges=(0, 200, 100))
    assert T0.tzinfo is not None

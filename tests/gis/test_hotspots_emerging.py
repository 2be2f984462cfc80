"""Emerging hot spots: every category's rule, space-time Gi*, Mann–Kendall, planted patterns."""

from __future__ import annotations

import h3.api.numpy_int as h3i
import numpy as np
import pandas as pd
import pytest

from gis.errors import InvalidInput
from gis.hotspots import (
    DataWindow,
    IncidentFilter,
    classify,
    emerging_hotspots,
    mann_kendall,
    space_time_gi,
)
from gis.hotspots.cube import SpaceTimeCube
from tests.gis.test_hotspots_synthetic import Cluster, make_incidents

T = 20
_ = False
H = True


def _series(steps: str) -> tuple[np.ndarray, np.ndarray]:
    """'h' hot, 'c' cold, '.' neither, one character per time step."""
    return np.array([c == "h" for c in steps]), np.array([c == "c" for c in steps])


# (name, series of T steps, z-score trend, expected category)
CASES = [
    ("new", "." * 19 + "h", 0, "new hot spot"),
    ("consecutive", "." * 16 + "hhhh", 0, "consecutive hot spot"),
    ("intensifying", "h" * 20, 1, "intensifying hot spot"),
    ("persistent", "h" * 20, 0, "persistent hot spot"),
    ("persistent with gaps", "hh.hhhhhhhhhhhhhhhhh", 0, "persistent hot spot"),
    ("diminishing", ".h" + "h" * 18, -1, "diminishing hot spot"),
    ("sporadic", "..h...h.h.....h....h", 0, "sporadic hot spot"),
    ("sporadic after a run", "hhh....." + "." * 10 + "hh", 0, "sporadic hot spot"),
    ("oscillating", "..c...h.h.....c....h", 0, "oscillating hot spot"),
    ("cold then new hot is oscillating", "c" + "." * 18 + "h", 0, "oscillating hot spot"),
    ("historical", "h" * 18 + "..", 0, "historical hot spot"),
    ("historical despite trend", "h" * 19 + ".", 1, "historical hot spot"),
    ("new cold", "." * 19 + "c", 0, "new cold spot"),
    ("consecutive cold", "." * 17 + "ccc", 0, "consecutive cold spot"),
    ("intensifying cold", "c" * 20, -1, "intensifying cold spot"),
    ("persistent cold", "c" * 20, 0, "persistent cold spot"),
    ("diminishing cold", "c" * 20, 1, "diminishing cold spot"),
    ("sporadic cold", "c....c....c....c...c", 0, "sporadic cold spot"),
    ("oscillating cold", "h....c....h....c...c", 0, "oscillating cold spot"),
    ("historical cold", "c" * 18 + "h.", 0, "historical cold spot"),
    ("nothing", "." * 20, 0, "no pattern detected"),
    ("hot once in the past", "h" + "." * 19, 0, "no pattern detected"),
    ("mostly hot but < 90 %", "h" * 17 + "...", 0, "no pattern detected"),
]


@pytest.mark.parametrize(("name", "steps", "trend", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_category_rule(name: str, steps: str, trend: int, expected: str) -> None:
    hot, cold = _series(steps)
    assert len(steps) == T
    got = classify(hot[None, :], cold[None, :], np.array([trend]))
    assert got.tolist() == [expected], name


def test_classify_is_vectorised_and_checks_its_input() -> None:
    series = [_series(s) for _, s, _, _ in CASES]
    hot = np.stack([h for h, _ in series])
    cold = np.stack([c for _, c in series])
    trend = np.array([t for _, _, t, _ in CASES])
    assert classify(hot, cold, trend).tolist() == [e for *_, e in CASES]
    with pytest.raises(InvalidInput, match="both"):
        classify(np.ones((1, 3), bool), np.ones((1, 3), bool), np.zeros(1))
    with pytest.raises(InvalidInput, match="persistence"):
        classify(hot, cold, trend, persistence=0.4)


def test_persistence_share_is_a_parameter() -> None:
    hot, cold = _series("h" * 16 + "....")
    assert classify(hot[None], cold[None], np.zeros(1), 0.8).tolist() == ["historical hot spot"]


def test_mann_kendall_equals_pymannkendall() -> None:
    import pymannkendall

    rng = np.random.default_rng(3)
    rows = np.vstack([
        np.arange(30) * 0.3 + rng.normal(0, 2, 30),
        rng.poisson(2, 30),  # many ties
        -np.arange(30) + rng.normal(0, 1, 30),
        rng.normal(0, 1, 30),
    ])  # fmt: skip
    ours = mann_kendall(rows, alpha=0.05)
    for k, row in enumerate(rows):
        ref = pymannkendall.original_test(row, alpha=0.05)
        assert ours.s[k] == ref.s and ours.var_s[k] == pytest.approx(ref.var_s)
        assert ours.z[k] == pytest.approx(ref.z) and ours.p[k] == pytest.approx(ref.p)
        assert ours.tau[k] == pytest.approx(ref.Tau)
        assert ours.direction[k] == {"increasing": 1, "decreasing": -1, "no trend": 0}[ref.trend]


def test_space_time_gi_equals_a_direct_computation() -> None:
    cells = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.5, 121.4, 9), 2).astype(np.int64))
    rng = np.random.default_rng(0)
    counts = rng.poisson(3, (len(cells), 6)).astype(np.int32)
    window = DataWindow(None, None, None, None, None, 0, (0.0, 0.0, 0.0, 0.0))
    edges = pd.date_range("2026-01-01", periods=7, freq="7D", tz="Asia/Shanghai")
    cube = SpaceTimeCube(cells, counts, edges, 9, {}, window)
    z = space_time_gi(cube, k=1, time_lag=2)
    x = counts.astype(float).ravel()
    n, mean, sd = x.size, x.mean(), x.std()
    for i in (0, 5, 18):
        ring = set(h3i.grid_disk(int(cells.view(np.uint64)[i]), 1).astype(np.int64))
        near = [j for j, c in enumerate(cells) if int(c) in {int(r) for r in ring}]
        for t in (0, 1, 4):
            block = counts[np.ix_(near, range(max(0, t - 2), t + 1))]
            w = block.size
            expected = (block.sum() - mean * w) / (sd * np.sqrt((n * w - w * w) / (n - 1)))
            assert z[i, t] == pytest.approx(expected)


@pytest.fixture(scope="module")
def planted_series():
    weeks = T
    steady = Cluster(121.33, 28.55, 40 * weeks, radius_m=200.0, day0=0, day1=7 * weeks)
    late = Cluster(121.37, 28.52, 120, radius_m=200.0, day0=7 * (weeks - 1), day1=7 * weeks)
    gone = Cluster(121.38, 28.56, 40 * (weeks - 2), radius_m=200.0, day0=0, day1=7 * (weeks - 2))
    incidents = make_incidents(6000, (steady, late, gone), seed=5, days=7 * weeks)
    end = (pd.Timestamp("2026-01-05", tz="Asia/Shanghai") + pd.Timedelta(weeks=weeks)).isoformat()
    return emerging_hotspots(incidents, resolution=8, where=IncidentFilter(until=end))


def _category_at(result, lon: float, lat: float) -> str:
    cell = np.uint64(h3i.latlng_to_cell(lat, lon, 8)).view(np.int64)
    return str(result.category[np.searchsorted(result.cube.cells, cell)])


def test_planted_patterns_get_their_categories(planted_series) -> None:
    result = planted_series
    assert result.cube.n_steps == T and not result.params["first_step_partial"]
    assert _category_at(result, 121.37, 28.52) == "new hot spot"
    assert _category_at(result, 121.33, 28.55) in {"persistent hot spot", "intensifying hot spot",
                                                    "diminishing hot spot"}  # fmt: skip
    assert _category_at(result, 121.38, 28.56) == "historical hot spot"
    frame = result.to_geodataframe()
    assert frame["count"].sum() == 6000 + 40 * T + 120 + 40 * (T - 2)
    assert result.params["seed"] is None and result.window.n_incidents == frame["count"].sum()


def test_uniform_noise_shows_no_emerging_pattern() -> None:
    incidents = make_incidents(8000, seed=9, days=7 * 20)
    result = emerging_hotspots(incidents, resolution=8)
    hot = pd.Series(result.category).str.endswith("hot spot")
    assert not hot.any()

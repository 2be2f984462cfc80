"""Gi* and local Moran's I: planted hot spots found, noise not, numbers equal esda's."""

from __future__ import annotations

import warnings

import h3.api.numpy_int as h3i
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from gis.errors import InvalidInput
from gis.hotspots import _crand, aggregate_h3, contiguity, getis_ord, local_moran
from gis.hotspots.aggregation import Aggregation
from gis.hotspots.h3cells import cell_centres
from gis.hotspots.selection import DataWindow
from gis.hotspots.significance import confidence_bins, fdr_adjust
from gis.hotspots.weights import from_pairs
from tests.gis.test_hotspots_synthetic import Cluster, make_incidents

CENTRE = (121.35, 28.54)


@pytest.fixture(scope="module")
def planted() -> Aggregation:
    incidents = make_incidents(3000, (Cluster(*CENTRE, 300, radius_m=200.0),), seed=11)
    return aggregate_h3(incidents, 9)


def _esda_g(y: np.ndarray, w, permutations: int, seed: int):
    import esda

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(
            y, w.to_libpysal(), transform="B", star=True, permutations=permutations,
            seed=seed, n_jobs=1,
        )  # fmt: skip


def test_draws_equal_esda_vec_permutations() -> None:
    from esda.crand import vec_permutations

    for max_card, n, seed in ((6, 500, 0), (18, 2000, 12345), (1, 3, 7)):
        assert_array_equal(
            _crand.esda_draws(max_card, n, 99, seed), vec_permutations(max_card, n, 99, seed)
        )


def test_gi_star_equals_esda_on_the_same_weights_and_seed(planted: Aggregation) -> None:
    result = getis_ord(planted, permutations=999, seed=2024)
    g = _esda_g(planted.counts.astype(float), contiguity(planted), 999, 2024)
    assert_allclose(result.gi, g.Gs, rtol=1e-12)
    assert_allclose(result.z, g.Zs, rtol=1e-9)
    # esda keeps p_sim in float32.
    assert_allclose(result.p_sim, g.p_sim, rtol=1e-6)
    assert_allclose(result.z_sim, g.z_sim, rtol=1e-7, atol=1e-12)


def test_gi_star_equals_esda_on_float_values_and_a_lattice() -> None:
    side = 30
    r, c = np.divmod(np.arange(side * side), side)
    pairs = [(i, j) for i in range(side * side) for j in range(side * side)
             if i < j and abs(r[i] - r[j]) <= 1 and abs(c[i] - c[j]) <= 1]  # fmt: skip
    a, b = np.array(pairs).T
    w = from_pairs(side * side, a, b, "queen lattice")
    y = np.random.default_rng(5).gamma(2.0, 3.0, side * side)
    ids = np.arange(side * side, dtype=np.int64)
    agg = Aggregation("area", ids, y, {"id_column": None}, _window())  # type: ignore[arg-type]
    result = getis_ord(agg, weights=w, permutations=199, seed=9)
    g = _esda_g(y, w, 199, 9)
    assert_allclose(result.gi, g.Gs, rtol=1e-12)
    assert_allclose(result.z, g.Zs, rtol=1e-9)
    assert_allclose(result.p_sim, g.p_sim, rtol=1e-6)


@pytest.mark.parametrize("source", ["analytic", "sequential"])
def test_planted_hotspot_is_found_at_99_percent(planted: Aggregation, source: str) -> None:
    result = getis_ord(planted, seed=0, p_source=source)
    centre = h3i.latlng_to_cell(CENTRE[1], CENTRE[0], 9)
    at = np.searchsorted(planted.ids, np.uint64(centre).view(np.int64))
    assert result.gi_bin[at] >= 2
    hot_ids = planted.ids[result.hot(90)].view(np.uint64)
    assert len(hot_ids) >= 3
    assert all(h3i.grid_distance(centre, int(h)) <= 3 for h in hot_ids)
    assert result.params["seed"] == 0 and result.window.n_incidents == 3300


def test_uniform_noise_has_no_significant_hotspot_after_fdr() -> None:
    incidents = make_incidents(6000, seed=4)
    agg = aggregate_h3(incidents)  # the default resolution: 8 here
    analytic = getis_ord(agg, seed=1)
    assert agg.params["resolution"] == 8 and not (analytic.gi_bin > 0).any()
    # Cells cut by the data's edge hold fewer incidents and may come out cold (see
    # docs/hotspots.md); any cold cell must be such an edge cell.
    lon, lat = cell_centres(agg.ids[analytic.gi_bin < 0])
    edge = 0.01
    assert np.all((lon < 121.30 + edge) | (lon > 121.40 - edge) | (lat < 28.50 + edge)
                  | (lat > 28.58 - edge))  # fmt: skip
    fine = aggregate_h3(incidents, 9)
    for source in ("sequential", "permutation"):
        assert (getis_ord(fine, seed=1, p_source=source).gi_bin == 0).all(), source


def test_analytic_only_when_no_permutations(planted: Aggregation) -> None:
    result = getis_ord(planted, permutations=0)
    assert np.isnan(result.p_sim).all() and result.params["p_source"] == "analytic"
    with pytest.raises(InvalidInput, match="needs permutations"):
        getis_ord(planted, permutations=0, p_source="permutation")
    assert (result.gi_bin == 3).any()


def test_same_seed_same_numbers_other_seed_other_numbers(planted: Aggregation) -> None:
    a, b = getis_ord(planted, seed=5, permutations=99), getis_ord(planted, seed=5, permutations=99)
    c = getis_ord(planted, seed=6, permutations=99)
    assert_array_equal(a.p_sim, b.p_sim)
    assert not np.array_equal(a.p_sim, c.p_sim)


def test_confidence_bins_follow_gi_bin_and_bh() -> None:
    p = np.array([0.001, 0.02, 0.04, 0.08, 0.5, np.nan])
    z = np.array([3.0, -2.0, 2.0, 1.0, 1.0, 1.0])
    assert confidence_bins(p, z, fdr=False).tolist() == [3, -2, 2, 1, 0, 0]
    q = fdr_adjust(p)
    assert_allclose(q[:5], [0.005, 0.05, 0.0666667, 0.1, 0.5], rtol=1e-5)
    assert confidence_bins(p, z, fdr=True).tolist() == [3, -2, 1, 1, 0, 0]


def test_local_moran_equals_esda_and_finds_the_hh_cluster(planted: Aggregation) -> None:
    import esda

    result = local_moran(planted, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lisa = esda.Moran_Local(planted.counts.astype(float), contiguity(planted).to_libpysal(),
                                permutations=999, seed=3, n_jobs=1)  # fmt: skip
    assert_allclose(result.i, lisa.Is, rtol=1e-12)
    assert_allclose(result.p_sim, lisa.p_sim, rtol=1e-12)
    assert_array_equal(result.quadrant, lisa.q)
    centre = np.uint64(h3i.latlng_to_cell(CENTRE[1], CENTRE[0], 9)).view(np.int64)
    assert result.cluster[np.searchsorted(planted.ids, centre)] == "HH"
    assert set(result.cluster) <= {"HH", "LL", "HL", "LH", "not significant"}


def test_gi_star_rejects_too_few_places_and_constant_counts() -> None:
    one = make_incidents(1, seed=0)
    with pytest.raises(InvalidInput, match="at least 3 places"):
        getis_ord(one)
    cells = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.5, 121.4, 9), 1).astype(np.int64))
    flat = Aggregation("h3", cells, np.ones(7, dtype=np.int64), {"resolution": 9}, _window())
    with pytest.raises(InvalidInput, match="same count"):
        getis_ord(flat)
    with pytest.raises(InvalidInput, match="seed"):
        getis_ord(Aggregation("h3", cells, np.arange(7), {"resolution": 9}, _window()), seed=-1)


def test_islands_are_never_classed() -> None:
    ids = np.arange(5, dtype=np.int64)
    w = from_pairs(5, np.array([0, 1, 2]), np.array([1, 2, 3]), "chain + island")
    agg = Aggregation("area", ids, np.array([9, 8, 7, 0, 30]), {"id_column": None}, _window())
    result = getis_ord(agg, weights=w, seed=0, fdr=False)
    assert result.gi_bin[4] == 0 and np.isnan(result.p_two_sided[4])


def _window():
    return DataWindow(None, None, None, None, None, 0, (0.0, 0.0, 0.0, 0.0))

"""Hotspot ledgers and their comparison; offline folium maps of every result."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from gis.errors import InvalidInput
from gis.hotspots import (
    aggregate_h3,
    build_ledger,
    compare_ledgers,
    emerging_hotspots,
    getis_ord,
    kernel_density,
    knox_test,
    local_moran,
)
from gis.hotspots.ledger import COLUMNS, Ledger
from gis.hotspots.maps import leaflet_assets
from tests.gis.test_hotspots_synthetic import Cluster, make_incidents

A = Cluster(121.33, 28.55, 400, radius_m=250.0)
B = Cluster(121.38, 28.52, 400, radius_m=250.0)


@pytest.fixture(scope="module")
def before_after():
    before = make_incidents(3000, (A,), seed=21)
    after = make_incidents(3000, (B,), seed=22)
    return before, after


def test_compare_ledgers_names_new_still_hot_and_cooled(before_after) -> None:
    before, after = before_after
    both = pd.concat([before, after.iloc[3000:]], ignore_index=True)
    first = build_ledger(getis_ord(before, resolution=8, seed=0))
    second = build_ledger(getis_ord(both, resolution=8, seed=0))
    third = build_ledger(getis_ord(after, resolution=8, seed=0))
    assert list(first.entries.columns) == COLUMNS and first.places == "h3:8"
    assert first.entries["rank"].tolist() == list(range(1, len(first.entries) + 1))
    grown = compare_ledgers(first, second)
    assert {"new", "still hot"} <= set(grown["status"])
    moved = compare_ledgers(first, third)
    assert set(first.entries["place"]) == set(moved.loc[moved["status"] == "cooled", "place"])
    assert set(third.entries["place"]) == set(moved.loc[moved["status"] == "new", "place"])
    order = moved["status"].map({"new": 0, "still hot": 1, "cooled": 2}).to_numpy()
    assert np.all(np.diff(order) >= 0)


def test_ledgers_of_different_places_do_not_compare(before_after) -> None:
    before, _ = before_after
    coarse = build_ledger(getis_ord(before, resolution=7, seed=0))
    fine = build_ledger(getis_ord(before, resolution=8, seed=0))
    with pytest.raises(InvalidInput, match="different places"):
        compare_ledgers(coarse, fine)


def test_compare_is_pure_and_tracks_rank_changes() -> None:
    window = aggregate_h3(make_incidents(10, seed=0), 7).window

    def book(places: list[str]) -> Ledger:
        rows = [(p, r + 1, 10 - r, 3.0 - r, "hot 99%", "no trend", "hot 99%")
                for r, p in enumerate(places)]  # fmt: skip
        return Ledger("h3:9", pd.DataFrame(rows, columns=COLUMNS), {}, window)

    old, new = book(["a", "b", "c"]), book(["c", "a", "d"])
    table = compare_ledgers(old, new).set_index("place")
    assert table.loc["d", "status"] == "new" and table.loc["b", "status"] == "cooled"
    assert table.loc["c", "rank_change"] == 2 and table.loc["a", "rank_change"] == -1
    assert old.entries["place"].tolist() == ["a", "b", "c"]


def test_ledger_from_gi_and_emerging_carries_trend_and_category() -> None:
    late = Cluster(121.37, 28.52, 300, radius_m=250.0, day0=7 * 9, day1=7 * 10)
    incidents = make_incidents(5000, (late,), seed=3, days=70)
    emerging = emerging_hotspots(incidents, resolution=8)
    gi = getis_ord(incidents, resolution=8, seed=0)
    book = build_ledger(gi, emerging=emerging)
    assert (book.entries["category"] == "new hot spot").any()
    assert set(book.entries["trend"]) <= {"rising", "falling", "no trend"}
    from_emerging = build_ledger(emerging)
    assert from_emerging.places == "h3:8" and len(from_emerging.entries) > 0
    with pytest.raises(InvalidInput, match="resolution"):
        build_ledger(getis_ord(incidents, resolution=7, seed=0), emerging=emerging)


_EXTERNAL = re.compile(r"<(?:script|link|img)[^>]+(?:src|href)\s*=\s*[\"']?(?:https?:)?//", re.I)


def test_every_result_maps_offline(tmp_path) -> None:
    incidents = make_incidents(1500, (A,), seed=6, days=70)
    agg = aggregate_h3(incidents, 8)
    results = {
        "aggregation": agg,
        "gi": getis_ord(agg, seed=0),
        "moran": local_moran(agg, permutations=99, seed=0),
        "kde": kernel_density(incidents, cell_size=50.0),
        "emerging": emerging_hotspots(incidents, resolution=8),
        "knox": knox_test(incidents, permutations=19, seed=0),
    }
    js, css = leaflet_assets()
    assert "Leaflet 1.9.4" in js and "data:image/png;base64," in css
    for name, result in results.items():
        fmap = (
            result.to_folium(include_no_pattern=True) if name == "emerging" else result.to_folium()
        )
        path = tmp_path / f"{name}.html"
        fmap.save(str(path))
        html = path.read_text()
        assert not _EXTERNAL.search(html), name
        assert "Leaflet 1.9.4" in html and "L.map(" in html, name
        frame = result.to_geodataframe()
        assert frame.crs.to_epsg() == 4326, name


def test_a_basemap_url_is_only_added_when_asked() -> None:
    agg = aggregate_h3(make_incidents(300, seed=1), 7)
    html = agg.to_folium(tiles="http://tiles.intranet.example/{z}/{x}/{y}.png").get_root().render()
    assert "tiles.intranet.example" in html
    assert "tile.openstreetmap" not in agg.to_folium().get_root().render()

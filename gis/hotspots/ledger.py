"""The hotspot ledger: a ranked list of hot places, comparable from one analysis to the next.

A ledger holds one row per hot place — its id, rank, incident count, z-score,
confidence, trend and category — plus a ``places`` key saying what the ids mean
(``h3:9``, ``grid:250m:EPSG:4549:x0,y0``, ``area:code``). Two ledgers compare only
when their keys are equal; :func:`compare_ledgers` is pure, storing is the
caller's business.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from gis.errors import InvalidInput
from gis.hotspots.emerging import EmergingResult
from gis.hotspots.getis_ord import GiStarResult
from gis.hotspots.selection import DataWindow
from gis.hotspots.significance import bin_labels

Status = Literal["new", "still hot", "cooled"]
COLUMNS = ["place", "rank", "count", "z", "confidence", "trend", "category"]
_TREND = {1: "rising", -1: "falling", 0: "no trend"}


@dataclass(frozen=True)
class Ledger:
    """Ranked hot places of one analysis (``entries``), with what produced them."""

    places: str
    entries: pd.DataFrame = field(repr=False)
    params: dict[str, Any]
    window: DataWindow

    def to_frame(self) -> pd.DataFrame:
        """A copy of the entries."""
        return self.entries.copy()


def build_ledger(
    result: GiStarResult | EmergingResult,
    *,
    emerging: EmergingResult | None = None,
    level: int = 90,
) -> Ledger:
    """Ledger of the hot places of a Gi* or emerging hot spot result.

    From Gi*: places with ``gi_bin`` at ``level`` % or more, ranked by z-score; the
    trend and category come from ``emerging`` (same H3 cells) when given, else the
    Gi_Bin label is the category and the trend is unknown. From an emerging result:
    cells in any hot category, ranked by their final-step z-score, with the
    Mann–Kendall trend of their counts.

    Examples
    --------
    >>> from gis.hotspots.aggregation import h3_counts
    >>> from gis.hotspots.getis_ord import getis_ord
    >>> import h3.api.numpy_int as h3i
    >>> cells = np.sort(h3i.grid_disk(h3i.latlng_to_cell(28.5, 121.4, 9), 4).astype(np.int64))
    >>> win = DataWindow(None, None, None, None, None, 0, (0, 0, 0, 0))
    >>> counts = np.where(np.isin(cells, h3i.grid_disk(int(cells[30]), 1).astype(np.int64)), 20, 1)
    >>> agg = h3_counts(np.repeat(cells, counts), 9, None, win)
    >>> book = build_ledger(getis_ord(agg, permutations=99, seed=0, fdr=False))
    >>> book.places, int(book.entries["count"].max())
    ('h3:9', 20)
    """
    if level not in (90, 95, 99):
        raise InvalidInput(f"level must be 90, 95 or 99, not {level}")
    if isinstance(result, EmergingResult):
        return _from_emerging(result)
    if isinstance(result, GiStarResult):
        return _from_gi(result, emerging, level)
    raise InvalidInput(f"a ledger is built from a Gi* or emerging result, not {type(result)!r}")


def compare_ledgers(previous: Ledger, current: Ledger) -> pd.DataFrame:
    """Compare two ledgers place by place: "new", "still hot" or "cooled".

    Returns one row per place hot in either, with ``status``, ``previous_rank``,
    ``current_rank``, ``rank_change`` (positive: climbed), ``previous_count``,
    ``current_count`` and the current ``category``; new places first, then still
    hot by current rank, then cooled by previous rank.

    Examples
    --------
    >>> win = DataWindow(None, None, None, None, None, 0, (0, 0, 0, 0))
    >>> def book(places):
    ...     row = (10, 3.0, "hot 99%", "no trend", "hot 99%")
    ...     rows = [(p, r + 1, *row) for r, p in enumerate(places)]
    ...     return Ledger("h3:9", pd.DataFrame(rows, columns=COLUMNS), {}, win)
    >>> compare_ledgers(book(["a", "b"]), book(["b", "c"]))[["place", "status"]].values.tolist()
    [['c', 'new'], ['b', 'still hot'], ['a', 'cooled']]
    """
    if previous.places != current.places:
        raise InvalidInput(
            f"ledgers of different places cannot be compared: {previous.places!r} vs "
            f"{current.places!r} (use the same resolution, grid or areas)"
        )
    old = previous.entries.set_index("place")
    new = current.entries.set_index("place")
    frame = pd.DataFrame(index=old.index.union(new.index, sort=False))
    frame["previous_rank"] = old["rank"].reindex(frame.index)
    frame["current_rank"] = new["rank"].reindex(frame.index)
    frame["previous_count"] = old["count"].reindex(frame.index)
    frame["current_count"] = new["count"].reindex(frame.index)
    frame["category"] = new["category"].reindex(frame.index)
    in_old, in_new = frame["previous_rank"].notna(), frame["current_rank"].notna()
    frame["status"] = np.select([in_new & ~in_old, in_new & in_old], ["new", "still hot"], "cooled")
    frame["rank_change"] = frame["previous_rank"] - frame["current_rank"]
    order = frame["status"].map({"new": 0, "still hot": 1, "cooled": 2})
    key = frame["current_rank"].fillna(frame["previous_rank"])
    frame = frame.assign(_o=order, _k=key).sort_values(["_o", "_k"]).drop(columns=["_o", "_k"])
    for col in ("previous_rank", "current_rank", "previous_count", "current_count", "rank_change"):
        frame[col] = frame[col].astype("Int64")
    cols = ["status", "previous_rank", "current_rank", "rank_change", "previous_count",
            "current_count", "category"]  # fmt: skip
    return frame[cols].rename_axis("place").reset_index()


def _places_key(kind: str, params: dict[str, Any]) -> str:
    if kind == "h3":
        return f"h3:{params['resolution']}"
    if kind == "grid":
        x0, y0 = params["origin"]
        return f"grid:{params['cell_size']:g}m:{params['crs']}:{x0:g},{y0:g}"
    return f"area:{params.get('id_column') or 'index'}"


def _from_gi(result: GiStarResult, emerging: EmergingResult | None, level: int) -> Ledger:
    agg = result.aggregation
    hot = result.hot(level)
    frame = result.to_geodataframe().loc[hot, ["place", "count", "z", "gi_bin"]]
    frame["confidence"] = bin_labels(frame["gi_bin"].to_numpy())
    frame["trend"] = "unknown"
    frame["category"] = frame["confidence"]
    if emerging is not None:
        _add_emerging(frame, agg.ids[hot], agg, emerging)
    frame = frame.sort_values(["gi_bin", "z", "count"], ascending=False)
    return _ledger(frame, _places_key(agg.kind, agg.params), result.params, result.window)


def _add_emerging(frame: pd.DataFrame, ids: np.ndarray, agg: Any, emerging: EmergingResult) -> None:
    if agg.kind != "h3" or agg.params["resolution"] != emerging.cube.resolution:
        raise InvalidInput(
            "the emerging result is not over H3 cells of the Gi* result's resolution"
        )
    cells = emerging.cube.cells
    pos = np.minimum(np.searchsorted(cells, ids), len(cells) - 1)
    found = cells[pos] == ids
    trend = np.array([_TREND[int(d)] for d in emerging.count_trend.direction[pos]], dtype=object)
    frame["trend"] = np.where(found, trend, "unknown")
    frame["category"] = np.where(found, emerging.category[pos], frame["category"])


def _from_emerging(result: EmergingResult) -> Ledger:
    frame = result.to_geodataframe()
    hot = frame["category"].str.endswith("hot spot").to_numpy()
    frame = frame.loc[hot, ["place", "count", "final_z", "category", "count_trend"]]
    frame = frame.rename(columns={"final_z": "z"})
    frame["confidence"] = [f"{result.params['alpha']:g} (bins)"] * len(frame)
    frame["trend"] = [_TREND[int(d)] for d in frame.pop("count_trend")]
    frame = frame.sort_values(["z", "count"], ascending=False)
    key = _places_key("h3", {"resolution": result.cube.resolution})
    return _ledger(frame, key, result.params, result.window)


def _ledger(frame: pd.DataFrame, key: str, params: dict[str, Any], window: DataWindow) -> Ledger:
    frame = frame.reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    frame["place"] = frame["place"].astype(str)
    return Ledger(key, frame[COLUMNS].copy(), dict(params), window)

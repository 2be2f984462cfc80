"""The hotspot ledger's database side: keep the hot places of a run, compare with the last.

:mod:`gis.hotspots.ledger` builds and compares ledgers in memory; this module stores
them in ``hotspot_ledger`` per area and places key, naming each place by the
community and published grid it lies in.
"""

from __future__ import annotations

import json
from dataclasses import replace

import h3
import pandas as pd
from sqlalchemy import Connection, Engine, TextClause

from gis.db.statements import query
from gis.errors import InvalidInput
from gis.hotspots.emerging import EmergingResult
from gis.hotspots.getis_ord import GiStarResult
from gis.hotspots.ledger import Ledger, build_ledger, compare_ledgers
from gis.hotspots.run import Result, plain

PLACE_DETAILS = ["trend", "community_code", "community_name", "grid_code"]


def _sql(name: str) -> TextClause:
    return query("gis.hotspots", "ledger", name)


def save_ledger(engine: Engine, area: str, result: Result) -> pd.DataFrame:
    """Keep the ranked hot places of ``result`` and compare them with the last ledger
    of the same area and places: each place comes back "new", "still hot" or "cooled"."""
    if not isinstance(result, GiStarResult | EmergingResult):
        raise InvalidInput("a ledger follows Gi* or emerging hot spots, not this method")
    ledger = build_ledger(result)
    with engine.begin() as conn:
        ledger = replace(ledger, entries=_with_names(conn, ledger))
        previous = conn.execute(_sql("previous"), {"area": area, "places": ledger.places}).scalar()
        conn.execute(
            _sql("insert"),
            {"area": area, "places": ledger.places, "params": json.dumps(plain(ledger.params)),
             "entries": ledger.entries.to_json(orient="records")},
        )  # fmt: skip
    if previous is None:
        frame = ledger.to_frame()
        frame["status"] = "new"
        return frame
    before = Ledger(ledger.places, pd.DataFrame(previous), {}, ledger.window)
    described = pd.concat([ledger.entries, before.entries]).drop_duplicates("place")
    details = described.reindex(columns=["place", *PLACE_DETAILS])
    return compare_ledgers(before, ledger).merge(details, on="place", how="left")


def _with_names(conn: Connection, ledger: Ledger) -> pd.DataFrame:
    """The ledger's entries with the community and published grid at each place's centre,
    the names a patrol plan is written in."""
    entries = ledger.entries.reset_index(drop=True)
    if entries.empty or not ledger.places.startswith("h3"):
        return entries.assign(community_code=None, community_name=None, grid_code=None)
    centres = [h3.cell_to_latlng(str(cell)) for cell in entries["place"]]  # a few hundred
    names = pd.read_sql(
        _sql("names"),
        conn,
        params={"lats": [c[0] for c in centres], "lons": [c[1] for c in centres]},
    )
    return pd.concat([entries, names], axis=1)

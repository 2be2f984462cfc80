"""Build the sample city and load it, or write it as files for `wangge load`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from gis.db.engine import secret_key
from gis.db.statements import query
from gis.load import LOAD_ORDER, load_frame
from gis.settings import DatabaseSettings

if TYPE_CHECKING:
    from gis.synth import SampleCity

Say = Callable[[str], None]


def sample_loaded(engine: Engine, adcode: str) -> bool:
    """Whether the district ``adcode`` and buildings under it are in the database."""
    params = {"code": f"{adcode}000000"}
    with engine.connect() as conn:
        return bool(conn.execute(query("gis.load", "sample", "loaded"), params).scalar())


def build_sample(
    engine: Engine,
    settings: DatabaseSettings,
    *,
    adcode: str = "331004",
    scale: float = 1.0,
    seed: int = 0,
    say: Say = print,
) -> dict[str, int]:
    """Generate the sample city of ``adcode`` and load every kind; return row counts."""
    from gis.synth import generate_city

    started = time.perf_counter()
    say(f"generating sample city {adcode} (scale {scale}, seed {seed})")
    city = generate_city(adcode, seed=seed, scale=scale, progress=True)
    say(f"generated in {time.perf_counter() - started:.1f} s: {_counts(city.summary())}")
    counts = load_city(engine, settings, city, say=say)
    say(f"sample city {adcode} ready in {time.perf_counter() - started:.1f} s")
    return counts


def load_city(
    engine: Engine, settings: DatabaseSettings, city: SampleCity, *, say: Say = print
) -> dict[str, int]:
    """Load every kind of a generated city through the loader; return row counts."""
    key = secret_key(settings)
    counts = {}
    for kind in LOAD_ORDER:
        frame = _frame(city, kind)
        t0 = time.perf_counter()
        report = load_frame(engine, kind, frame, source=f"sample {kind}", key=key)
        counts[kind] = report.rows
        say(f"loaded {report.rows:,} {kind} in {time.perf_counter() - t0:.1f} s")
    return counts


def write_sample(
    out: Path, *, adcode: str = "331004", scale: float = 1.0, seed: int = 0, say: Say = print
) -> list[Path]:
    """Write the sample city as GeoJSON (spatial kinds) and CSV files `wangge load` reads."""
    from gis.synth import generate_city

    out.mkdir(parents=True, exist_ok=True)
    city = generate_city(adcode, seed=seed, scale=scale, progress=True)
    paths = []
    for kind in LOAD_ORDER:
        frame = _frame(city, kind)
        if isinstance(frame, gpd.GeoDataFrame):
            path = out / f"{kind}.geojson"
            frame.to_file(path, driver="GeoJSON")
        else:
            path = out / f"{kind}.csv"
            flat = frame.copy()
            if "tags" in flat:
                flat["tags"] = flat["tags"].map(";".join)
            flat.to_csv(path, index=False)
        say(f"wrote {len(frame):,} {kind} to {path}")
        paths.append(path)
    return paths


def _frame(city, kind: str) -> pd.DataFrame:
    frame = getattr(city, kind)
    if kind == "buildings":
        return frame.drop(columns=["community_code"], errors="ignore")
    return frame


def _counts(summary: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in summary.items())

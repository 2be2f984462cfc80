"""Build the sample city and load it, or write it as files for `wangge load`; give it
a published grid plan, so the demo's first map has grids."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
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
Progress = Callable[[int, int], None]
DEMO_PLAN = "示范网格 sample grids"


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
    city = generate_city(adcode, seed=seed, scale=scale, progress=sys.stderr.isatty())
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


def publish_sample_plan(
    engine: Engine,
    adcode: str,
    *,
    seed: int = 0,
    say: Say = print,
    progress: Callable[[], AbstractContextManager[Progress | None]] = nullcontext,
) -> int | None:
    """Partition every community of the district ``adcode`` and publish the plan, once.

    Returns the id of the plan published now, or None when the district, or an area
    in it or above it, already has a published plan: a second demo neither
    publishes again nor replaces a planner's work. A draft an interrupted demo left
    is published rather than drawn again. ``progress()`` is entered only when there
    is partitioning to do, and gives the callback the engine reports to.
    """
    from gis.partition.publish import publish_plan
    from gis.partition.store import create_plan

    params = {"code": f"{adcode}000000", "name": DEMO_PLAN}
    with engine.connect() as conn:
        row = conn.execute(query("gis.load", "sample", "demo_plan"), params).mappings().first()
    if row is not None and row["status"] == "published":
        say(f"plan {row['id']} is published for {adcode}; keeping it")
        return None
    if row is not None:
        plan_id = row["id"]
        say(f"publishing the draft plan {plan_id} a previous demo left")
    else:
        started = time.perf_counter()
        say(f"partitioning the communities of {adcode} into grids")
        with progress() as update:
            plan_id = create_plan(
                engine, params["code"], name=DEMO_PLAN, seed=seed, created_by="demo",
                progress=update,
            )  # fmt: skip
        say(f"partitioned in {time.perf_counter() - started:.1f} s: draft plan {plan_id}")
    published = publish_plan(engine, plan_id, published_by="demo")
    say(f"published plan {plan_id}: {published['grids']:,} grids")
    return plan_id


def write_sample(
    out: Path, *, adcode: str = "331004", scale: float = 1.0, seed: int = 0, say: Say = print
) -> list[Path]:
    """Write the sample city as GeoJSON (spatial kinds) and CSV files `wangge load` reads."""
    from gis.synth import generate_city

    out.mkdir(parents=True, exist_ok=True)
    city = generate_city(adcode, seed=seed, scale=scale, progress=sys.stderr.isatty())
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

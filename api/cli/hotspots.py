"""`wangge hotspots`: hotspot analyses of incidents from the database or a file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from api.cli.common import engine


def hotspots(
    method: Annotated[str, typer.Option(help="gi, lisa, kde, emerging or knox.")] = "gi",
    area: Annotated[str | None, typer.Option(help="Area code (database mode).")] = None,
    category: Annotated[
        list[str] | None, typer.Option(help="Incident category (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Reported at or after (ISO date/time).")] = None,
    until: Annotated[str | None, typer.Option(help="Reported before (ISO date/time).")] = None,
    input: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="CSV (lon/lat), GeoJSON or GeoPackage of incidents instead of the database.",
        ),
    ] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS of --input: EPSG code, gcj02 or bd09.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write .geojson, .gpkg, or .tif (kde).")] = None,
    resolution: Annotated[
        int | None, typer.Option(help="H3 resolution (default: from the data).")
    ] = None,
    permutations: Annotated[
        int | None,
        typer.Option(help="Conditional permutations [default: 999 for gi and lisa, 99 for knox]."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed of the permutations.")] = 0,
    cell_size: Annotated[float, typer.Option(help="KDE cell size in metres.")] = 20.0,
    bandwidth: Annotated[
        float | None, typer.Option(help="KDE bandwidth in metres (default: rule).")
    ] = None,
    top_percent: Annotated[float, typer.Option(help="KDE hotspots: the densest share, %.")] = 5.0,
    step: Annotated[str, typer.Option(help="Emerging hotspots: time step, e.g. 7D.")] = "7D",
    ledger: Annotated[
        bool, typer.Option(help="Save the hot places and compare with the last run.")
    ] = False,
) -> None:
    """Find hotspots of incidents and print what was found."""
    from gis.hotspots import IncidentFilter
    from gis.hotspots.run import HotspotRequest, check_output, run, summary, write

    where = IncidentFilter(area=area, categories=category or None, since=since, until=until)
    request = HotspotRequest(
        method=method, where=replace(where, area=None), resolution=resolution,
        permutations=permutations, seed=seed, cell_size=cell_size, bandwidth=bandwidth,
        top_percent=top_percent, step=step,
    )  # fmt: skip
    if out is not None:
        check_output(out, method)
    eng = None
    if input is not None:
        from gis.load.kinds import KINDS
        from gis.load.read import read_file

        incidents = read_file(input, KINDS["incidents"], crs)  # already in EPSG:4326
        incidents["reported_at"] = _times(incidents)
    else:
        from gis.hotspots import read_incidents

        eng = engine()
        incidents = read_incidents(eng, where)
    typer.echo(f"analysing {len(incidents):,} incidents with {method}", err=True)
    result = run(incidents, request)
    typer.echo(summary(result, request))
    if out is not None:
        typer.echo(f"wrote {write(result, request, out)}")
    if ledger:
        if eng is None or area is None:
            from gis.errors import InvalidInput

            raise InvalidInput("--ledger keeps hot places per area: use it with --area")
        from gis.hotspots.ledger_store import save_ledger

        table = save_ledger(eng, area, result)
        counts = table["status"].value_counts().to_dict()
        typer.echo("ledger: " + ", ".join(f"{v} {k}" for k, v in counts.items()))


def _times(frame):
    import pandas as pd

    from gis.errors import InvalidInput

    if "reported_at" not in frame:
        raise InvalidInput("the incidents file needs a reported_at column (date and time)")
    times = pd.to_datetime(frame["reported_at"], errors="coerce", utc=False, format="mixed")
    if times.isna().any():
        row = int(times.isna().to_numpy().nonzero()[0][0]) + 1
        raise InvalidInput(f"row {row}, field 'reported_at': not a date-time")
    return times

"""The ``wangge`` command line.

User errors (a WanggeError) end with one line on stderr and exit status 1;
only a bug prints a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from gis.errors import WanggeError

app = typer.Typer(
    help="wangge: open map service for grid-based community governance (网格化管理).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Manage the database: the embedded cluster and its schema.")
app.add_typer(db_app, name="db", no_args_is_help=True)

CrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="CRS of the input: an EPSG code (4326, 4490, 32650...), 'gcj02' or 'bd09'. "
        "Default: the file's own CRS, else EPSG:4326.",
    ),
]


def _settings():
    from gis.settings import DatabaseSettings

    return DatabaseSettings()


def _engine():
    from gis.db.engine import make_engine
    from gis.db.migrate import upgrade

    engine = make_engine(_settings())
    upgrade(engine)
    return engine


def _say(message: str) -> None:
    typer.echo(message, err=True)


# -- db ---------------------------------------------------------------------------


@db_app.command("up")
def db_up() -> None:
    """Start the embedded cluster (creating it the first time) and migrate the schema."""
    from gis.db.engine import make_engine
    from gis.db.migrate import upgrade

    settings = _settings()
    if not settings.database_url:
        from gis.db.embedded import EmbeddedCluster

        status = EmbeddedCluster(settings.data_dir).up()
        _say(f"embedded PostgreSQL {status.version} on 127.0.0.1:{status.port} ({status.data_dir})")
    upgrade(make_engine(settings))
    _say("schema is up to date")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded cluster; its data stays for the next `db up`."""
    settings = _settings()
    if settings.database_url:
        raise WanggeError("WANGGE_DATABASE_URL is set: wangge does not manage that server")
    from gis.db.embedded import EmbeddedCluster

    EmbeddedCluster(settings.data_dir).down()
    _say("embedded PostgreSQL stopped")


@db_app.command("status")
def db_status() -> None:
    """Show where the database is, whether it runs, and the schema revision."""
    from sqlalchemy import create_engine

    from gis.db.migrate import current, head

    settings = _settings()
    if settings.database_url:
        from gis.db.engine import database_url

        url = database_url(settings)
        typer.echo("database: external (WANGGE_DATABASE_URL)")
    else:
        from gis.db.embedded import EmbeddedCluster

        status = EmbeddedCluster(settings.data_dir).status()
        typer.echo(f"database: embedded at {status.data_dir}")
        typer.echo(f"initialised: {'yes' if status.initialised else 'no'}")
        typer.echo(f"running: {'yes' if status.running else 'no'}")
        if status.port:
            typer.echo(f"port: {status.port}")
        if not status.running:
            return
        url = status.url
    engine = create_engine(url)
    typer.echo(f"schema: {current(engine) or 'empty'} (newest {head()})")
    engine.dispose()


@db_app.command("migrate")
def db_migrate(
    revision: Annotated[
        str, typer.Argument(help="Target: head (newest), an id, -N (N steps back) or base (empty).")
    ] = "head",
) -> None:
    """Migrate the schema up or down to REVISION."""
    from gis.db.engine import make_engine
    from gis.db.migrate import current, downgrade, upgrade

    engine = make_engine(_settings())
    before = current(engine)
    if revision == "base" or revision.startswith("-"):
        downgrade(engine, revision)
    else:
        upgrade(engine, revision)
    _say(f"schema: {before or 'empty'} -> {current(engine) or 'empty'}")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (starting the embedded cluster if needed)."""
    from gis.db.engine import database_url

    typer.echo(database_url(_settings()))


# -- load -------------------------------------------------------------------------


@app.command()
def load(
    kind: Annotated[
        str,
        typer.Argument(help="areas, buildings, households, persons, cameras or incidents."),
    ],
    file: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile or CSV.")],
    crs: CrsOption = None,
    repair: Annotated[
        bool, typer.Option(help="Repair invalid geometries instead of refusing them.")
    ] = False,
) -> None:
    """Validate every row of FILE and load it as KIND; on any problem, load nothing."""
    from gis.crs import parse_crs
    from gis.db.engine import secret_key
    from gis.load import load_file

    parse_crs(crs)  # a wrong --crs fails before any work
    engine = _engine()
    key = secret_key(_settings()) if kind == "persons" else None
    started = time.perf_counter()
    report = load_file(engine, kind, file, crs=crs, key=key, repair=repair, progress=_say)
    _say(f"loaded {report.rows:,} {kind} from {file} in {time.perf_counter() - started:.1f} s")


# -- sample city, demo and serve --------------------------------------------------


@app.command()
def sample(
    adcode: Annotated[str, typer.Option(help="District adcode of a bundled profile.")] = "331004",
    scale: Annotated[float, typer.Option(help="Households/people/incidents multiplier.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same city.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write the city as files here instead of loading it.")
    ] = None,
) -> None:
    """Generate a sample city from a real district boundary and load it (or write files)."""
    from gis.load.sample import build_sample, write_sample

    if out is not None:
        write_sample(out, adcode=adcode, scale=scale, seed=seed, say=_say)
    else:
        build_sample(_engine(), _settings(), adcode=adcode, scale=scale, seed=seed, say=_say)


@app.command()
def demo(
    adcode: Annotated[str, typer.Option(help="District adcode of a bundled profile.")] = "331004",
    scale: Annotated[float, typer.Option(help="Households/people/incidents multiplier.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same city.")] = 0,
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    serve_: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve after loading.")] = True,
) -> None:
    """Start the database, build and load the sample city once, and serve the API."""
    from gis.load.sample import build_sample, sample_loaded

    engine = _engine()
    if sample_loaded(engine, adcode):
        _say(f"sample city {adcode} is already loaded; reusing it")
    else:
        build_sample(engine, _settings(), adcode=adcode, scale=scale, seed=seed, say=_say)
    engine.dispose()
    if serve_:
        serve(host=host, port=port)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
) -> None:
    """Serve the HTTP API and pages."""
    import uvicorn

    from api.app import create_app

    _engine().dispose()  # fail here, with one clear line, if the database is not there
    url = f"http://{host}:{port}"
    _say(
        f"wangge is serving on {url}/\n"
        f"  map (drill-down):  {url}/\n"
        f"  API docs:          {url}/docs\n"
        f"  area tree:         {url}/api/v1/areas\n"
        f"  vector tiles:      {url}/tiles\n"
        "press Ctrl+C to stop"
    )
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")


def _register() -> None:
    from api.cli_hotspots import hotspots
    from api.cli_plans import partition, plan_app

    app.command(name="partition")(partition)
    app.command(name="hotspots")(hotspots)
    app.add_typer(plan_app, name="plan", no_args_is_help=True)


_register()


def main() -> None:
    """Entry point: run the CLI, turning user errors into one clear line."""
    try:
        app()
    except WanggeError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)

"""What every subcommand shares: settings, the migrated engine, messages, the CRS option."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import Engine

from gis.settings import DatabaseSettings

CrsOption = Annotated[
    str | None,
    typer.Option(
        "--crs",
        help="CRS of the input: an EPSG code (4326, 4490, 32650...), 'gcj02' or 'bd09'. "
        "Default: the file's own CRS, else EPSG:4326.",
    ),
]


def settings() -> DatabaseSettings:
    return DatabaseSettings()


def engine() -> Engine:
    """The configured database, started if embedded, with the newest schema."""
    from gis.db.engine import make_engine
    from gis.db.migrate import upgrade

    eng = make_engine(settings())
    upgrade(eng)
    return eng


def say(message: str) -> None:
    typer.echo(message, err=True)

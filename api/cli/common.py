"""What every subcommand shares: settings, the migrated engine, messages, the CRS option."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy import Engine
from tqdm import tqdm

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


def community_bar(desc: str):
    """A progress bar on a terminal; in a log, one line when the stage starts and ends."""
    tty = sys.stderr.isatty()
    bar = tqdm(desc=desc, unit="community", leave=False, disable=not tty)
    if not tty:
        typer.echo(f"{desc}: started", err=True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()
        if not tty and done == total:
            typer.echo(f"{desc}: {done} of {total} communities done", err=True)

    return bar, update

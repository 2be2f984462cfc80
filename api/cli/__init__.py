"""The ``wangge`` command line.

The root group attaches each subcommand module (as pygeoapi's CLI does), so no
subcommand imports this module. User errors (a WanggeError) end with one line on
stderr and exit status 1; only a bug prints a traceback.
"""

from __future__ import annotations

import sys

import typer

from api.cli.audit import audit_app
from api.cli.cameras import cameras_app
from api.cli.data import demo, load, sample
from api.cli.db import db_app
from api.cli.hotspots import hotspots
from api.cli.incidents import incidents_app
from api.cli.keys import keys_app
from api.cli.plans import partition, plan_app
from api.cli.serve import serve, worker
from api.cli.users import user_app
from gis.errors import WanggeError

app = typer.Typer(
    help="wangge: open map service for grid-based community governance (网格化管理).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db", no_args_is_help=True)
for command in (load, sample, demo, serve, worker, partition, hotspots):
    app.command()(command)
app.add_typer(plan_app, name="plan", no_args_is_help=True)
app.add_typer(user_app, name="user", no_args_is_help=True)
app.add_typer(keys_app, name="keys", no_args_is_help=True)
app.add_typer(audit_app, name="audit", no_args_is_help=True)
app.add_typer(incidents_app, name="incidents", no_args_is_help=True)
app.add_typer(cameras_app, name="cameras", no_args_is_help=True)


def main() -> None:
    """Entry point: run the CLI, turning user errors into one clear line."""
    try:
        app()
    except WanggeError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(1)

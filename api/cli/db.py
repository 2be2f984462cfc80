"""`wangge db ...`: the embedded cluster and the schema."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli.common import say, settings
from gis.errors import WanggeError

db_app = typer.Typer(help="Manage the database: the embedded cluster and its schema.")


@db_app.command("up")
def db_up() -> None:
    """Start the embedded cluster (creating it the first time) and migrate the schema."""
    from gis.db.engine import make_engine
    from gis.db.migrate import upgrade

    cfg = settings()
    if not cfg.database_url:
        from gis.db.embedded import EmbeddedCluster

        status = EmbeddedCluster(cfg.data_dir).up()
        say(f"embedded PostgreSQL {status.version} on 127.0.0.1:{status.port} ({status.data_dir})")
    upgrade(make_engine(cfg))
    say("schema is up to date")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded cluster; its data stays for the next `db up`."""
    cfg = settings()
    if cfg.database_url:
        raise WanggeError("WANGGE_DATABASE_URL is set: wangge does not manage that server")
    from gis.db.embedded import EmbeddedCluster

    EmbeddedCluster(cfg.data_dir).down()
    say("embedded PostgreSQL stopped")


@db_app.command("status")
def db_status() -> None:
    """Show where the database is, whether it runs, and the schema revision."""
    from sqlalchemy import create_engine

    from gis.db.migrate import current, head

    cfg = settings()
    if cfg.database_url:
        from gis.db.engine import database_url

        url = database_url(cfg)
        typer.echo("database: external (WANGGE_DATABASE_URL)")
    else:
        from gis.db.embedded import EmbeddedCluster

        status = EmbeddedCluster(cfg.data_dir).status()
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

    engine = make_engine(settings())
    before = current(engine)
    if revision == "base" or revision.startswith("-"):
        downgrade(engine, revision)
    else:
        upgrade(engine, revision)
    say(f"schema: {before or 'empty'} -> {current(engine) or 'empty'}")


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (starting the embedded cluster if needed)."""
    from gis.db.engine import database_url

    typer.echo(database_url(settings()))

"""Alembic environment: migrations run on the connection wangge hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from gis.db.migrate import include_object
from gis.db.models import Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):
    # PostGIS and its extensions own tables (spatial_ref_sys, topology...) we never manage.
    return not (type_ == "table" and reflected and compare_to is None)


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_object,
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

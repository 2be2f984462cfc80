"""Durable jobs: wangge's job table and procrastinate's queue in its own schema.

Long work (plans, analyses, fresh reports, imports) runs in worker processes
through procrastinate, a job queue on PostgreSQL itself. Its tables, types and
functions live in the schema ``procrastinate`` so the application's schema stays
the models'; ``job`` holds what the API shows: owner, progress, result, problem;
``density_surface`` the KDE rasters a job made, for their PNG tiles (pruned with
their job).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATUSES = ("queued", "running", "done", "failed", "cancelled")


def upgrade() -> None:
    op.execute("CREATE SCHEMA procrastinate")
    # The queue's schema SQL names nothing by schema: aim it at its own, then back.
    op.execute("SELECT set_config('search_path', 'procrastinate, public', true)")
    raw = op.get_bind().connection.driver_connection
    raw.execute(SchemaManager.get_schema())
    op.execute("SELECT set_config('search_path', 'public', true)")

    status = postgresql.ENUM(*STATUSES, name="job_status")
    op.create_table(
        "job",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.Text(), nullable=True),
        sa.Column("status", status, server_default="queued", nullable=False),
        sa.Column("params", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("error", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("queue_id", sa.BigInteger(), nullable=True),
        sa.Column("timeout_s", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
    )  # fmt: skip
    op.create_index("ix_job_finished_at", "job", ["finished_at"])
    op.create_table(
        "density_surface",
        sa.Column("id", sa.String(length=12), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("crs_wkt", sa.Text(), nullable=False),
        sa.Column("transform", postgresql.ARRAY(sa.Float()), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("cols", sa.Integer(), nullable=False),
        sa.Column("vmax", sa.Float(), nullable=False),
        sa.Column("cells", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["job.id"], name=op.f("fk_density_surface_job_id_job"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_density_surface")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("density_surface")
    op.drop_index("ix_job_finished_at", table_name="job")
    op.drop_table("job")
    op.execute("DROP TYPE job_status")
    op.execute("DROP SCHEMA procrastinate CASCADE")

"""Grid workers' positions and daily tracks, and which account a worker signs in with.

- ``worker_position``: one row per worker and time (the primary key makes a mobile
  client's re-sent batch a no-op), the point, its accuracy and the grid of the
  published plan it fell in (gis.workers derives it on insert). Row-level security
  follows the worker: a user sees the positions of the workers of their scope. A
  record: the API's role may add positions, never rewrite them.
- ``worker.account_id``: the account of the worker, so a grid worker posts positions
  for themself and nobody else. One account, one worker.
- The API's role may update a worker's last position and time (the rest of ``worker``
  stays the owner's).

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"


def upgrade() -> None:
    op.create_table(
        "worker_position",
        sa.Column("worker_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("accuracy_m", sa.REAL(), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "accuracy_m IS NULL OR accuracy_m >= 0",
            name=op.f("ck_worker_position_accuracy_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["worker.id"], ondelete="CASCADE",
            name=op.f("fk_worker_position_worker_id_worker"),
        ),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grid.id"], ondelete="SET NULL",
            name=op.f("fk_worker_position_grid_id_grid"),
        ),
        sa.PrimaryKeyConstraint("worker_id", "at", name=op.f("pk_worker_position")),
    )  # fmt: skip
    # A day of every worker of an area (patrol, assessment) reads by time.
    op.create_index("ix_worker_position_at", "worker_position", ["at"])
    op.create_index("ix_worker_position_grid_id", "worker_position", ["grid_id"])
    op.execute(f"GRANT SELECT, INSERT ON worker_position TO {API_ROLE}")
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON worker_position FROM {API_ROLE}")
    op.execute("ALTER TABLE worker_position ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE worker_position FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY scope ON worker_position TO {API_ROLE} USING ("
        "(SELECT wangge_scope_everywhere()) OR "
        "EXISTS (SELECT 1 FROM worker w WHERE w.id = worker_position.worker_id))"
    )
    op.execute("CREATE POLICY owner ON worker_position TO CURRENT_USER USING (true)")

    op.add_column("worker", sa.Column("account_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_worker_account_id_user_account"), "worker", "user_account",
        ["account_id"], ["id"], ondelete="SET NULL",
    )  # fmt: skip
    op.create_unique_constraint(op.f("uq_worker_account_id"), "worker", ["account_id"])
    op.execute(f"GRANT UPDATE (last_geom, last_seen_at) ON worker TO {API_ROLE}")


def downgrade() -> None:
    op.execute(f"REVOKE UPDATE (last_geom, last_seen_at) ON worker FROM {API_ROLE}")
    op.drop_constraint(op.f("uq_worker_account_id"), "worker", type_="unique")
    op.drop_constraint(op.f("fk_worker_account_id_user_account"), "worker", type_="foreignkey")
    op.drop_column("worker", "account_id")
    op.drop_table("worker_position")

"""The event outbox: every change the live stream tells, written in the change's own
transaction (gis.events.publish) and announced with NOTIFY once it commits.

Writers take one transaction-scoped advisory lock before they insert, so events commit
in the order of their ids: a reader that has seen id n never later meets an id below n
(what the stream's Last-Event-ID replay relies on). The API's role may insert and read
events of its user's scope (the incidents' policy), never change or delete them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
SCOPE = (
    "(SELECT wangge_scope_everywhere()) OR "
    "(community_id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[])) "
    " AND ((SELECT wangge_scope_grid()) IS NULL OR grid_id = (SELECT wangge_scope_grid())))"
)


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("community_id", sa.Integer, nullable=True),
        sa.Column("grid_id", sa.Integer, nullable=True),
        sa.Column("category", sa.String(32), nullable=True),
        sa.Column("payload", postgresql.JSONB, nullable=False),
    )
    op.create_index("ix_event_outbox_at", "event_outbox", ["at"])
    op.execute(
        """
        CREATE FUNCTION wangge_event_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('wangge_events', NEW.id::text);
            RETURN NULL;
        END $$;
        CREATE TRIGGER event_outbox_notify AFTER INSERT ON event_outbox
            FOR EACH ROW EXECUTE FUNCTION wangge_event_notify();
        """
    )
    op.execute(f"REVOKE ALL ON event_outbox FROM {API_ROLE}")
    op.execute(f"GRANT SELECT, INSERT ON event_outbox TO {API_ROLE}")
    op.execute("ALTER TABLE event_outbox ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE event_outbox FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY scope ON event_outbox TO {API_ROLE} USING ({SCOPE})")
    op.execute("CREATE POLICY owner ON event_outbox TO CURRENT_USER USING (true)")


def downgrade() -> None:
    op.drop_table("event_outbox")
    op.execute("DROP FUNCTION wangge_event_notify()")

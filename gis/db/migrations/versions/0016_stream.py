"""The live stream's reader: the events after an id, whoever's scope they are in.

Each API process keeps one LISTEN connection (api/stream.py) and fans the events out to
its clients in memory, filtering each client's by the user's scope there. That
connection signs in as the API's role and names no user, so under the outbox's policy
it would see nothing. These two functions run as the outbox's owner (SECURITY DEFINER)
and only ``wangge_api`` may call them: the API's role reads new events by id, never
signs in as the owner, and holds no key to any other table (docs/stream.md says why).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
FUNCTIONS = ("wangge_stream_after(bigint, integer)", "wangge_stream_newest()")


def upgrade() -> None:
    # The payload goes out as the text PostgreSQL keeps: the stream sends it as it is,
    # without parsing and dumping it again per event. At most 10,000 rows a call.
    op.execute(
        """
        CREATE FUNCTION wangge_stream_after(after bigint, max_rows integer)
        RETURNS TABLE (id bigint, kind varchar, subject text, community_id integer,
                       grid_id integer, category varchar, payload text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT e.id, e.kind, e.subject, e.community_id, e.grid_id, e.category,
                   e.payload::text
            FROM event_outbox e
            WHERE e.id > after
            ORDER BY e.id
            LIMIT least(greatest(max_rows, 1), 10000)
        $$;
        CREATE FUNCTION wangge_stream_newest() RETURNS bigint
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
            SELECT coalesce(max(id), 0) FROM event_outbox
        $$;
        """
    )
    for function in FUNCTIONS:
        # Functions are executable by PUBLIC unless revoked; these only by the API.
        op.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {API_ROLE}")


def downgrade() -> None:
    for function in FUNCTIONS:
        op.execute(f"DROP FUNCTION {function}")

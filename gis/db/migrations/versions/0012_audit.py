"""The audit log: append-only and hash-chained; the API may add to it and nothing else.

Each entry gets who (actor, role), from where (source address, request id), why
(purpose), and the hash of the entry before it; its own hash is SHA-256 over a
canonical text of all of these (``wangge_audit_hash``; ``gis.audit.chain`` computes
the same text in Python to verify). A BEFORE INSERT trigger, as the owner, takes a
transaction advisory lock, draws the id, and links the entry to the newest one, so
ids, times and links follow one order. A unique index on ``prev_hash`` makes a fork
(two entries after the same one) impossible whatever the isolation level.

UPDATE, DELETE and TRUNCATE raise for everyone, the owner included, unless the
transaction sets ``wangge.audit_maintenance`` to ``on`` (docs/audit.md). The API's
role keeps only INSERT; it reads through ``wangge_audit_entries``, which answers only
when the request's user (``wangge_user_id()``, migration 0011) is an enabled admin.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"
SEQUENCE = "audit_log_id_seq"
GENESIS = "0" * 64
# The advisory lock every writer of the log takes (two-int form: its own key space).
LOCK = "30567, 24949"  # 'wg', 'au'
FILTERS = (
    "p_actor text, p_action text, p_object_type text, p_object_id text, "
    "p_since timestamptz, p_until timestamptz, p_after bigint, p_limit integer"
)
ENTRY = (
    "id bigint, at timestamptz, actor text, role text, source text, request_id text, "
    "action text, object_type text, object_id text, purpose text, detail jsonb, "
    "prev_hash text, hash text"
)

HASH = """
-- The entry's hash: SHA-256 (hex) of 'wangge-audit-v1' and each field as '|' and
-- length ':' text, or '|-' for null; the time as UTC with microseconds, the detail as
-- jsonb's own text. gis/audit/chain.py builds the same text.
CREATE FUNCTION wangge_audit_hash(
    p_id bigint, p_at timestamptz, p_actor text, p_role text, p_source text,
    p_request_id text, p_action text, p_object_type text, p_object_id text,
    p_purpose text, p_detail jsonb, p_prev_hash text
) RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to('wangge-audit-v1' || string_agg(
        CASE WHEN v IS NULL THEN '|-' ELSE '|' || char_length(v) || ':' || v END,
        '' ORDER BY n), 'UTF8')), 'hex')
    FROM unnest(ARRAY[
        p_id::text, to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        p_actor, p_role, p_source, p_request_id, p_action, p_object_type, p_object_id,
        p_purpose, p_detail::text, p_prev_hash
    ]) WITH ORDINALITY AS f(v, n)
$$;
"""

CHAIN = f"""
-- Before each insert, as the owner: one writer at a time to the end of its transaction,
-- the id drawn under the lock (not by a column default, which would be drawn before
-- it), the time of recording, and the link to the newest entry.
CREATE FUNCTION wangge_audit_chain() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    head text;
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK});
    NEW.id := nextval('public.{SEQUENCE}');
    NEW.at := clock_timestamp();
    NEW.detail := coalesce(NEW.detail, '{{}}'::jsonb);
    SELECT a.hash INTO head FROM public.audit_log a ORDER BY a.id DESC LIMIT 1;
    NEW.prev_hash := coalesce(head, '{GENESIS}');
    NEW.hash := public.wangge_audit_hash(NEW.id, NEW.at, NEW.actor, NEW.role, NEW.source,
        NEW.request_id, NEW.action, NEW.object_type, NEW.object_id, NEW.purpose,
        NEW.detail, NEW.prev_hash);
    RETURN NEW;
END $$;

-- UPDATE, DELETE and TRUNCATE: refused unless this transaction is maintenance.
CREATE FUNCTION wangge_audit_guard() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('wangge.audit_maintenance', true) = 'on' THEN
        RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'maintenance sets wangge.audit_maintenance to on in its transaction '
                     '(docs/audit.md); wangge audit verify will show what it changed';
END $$;
"""

READ = f"""
-- The filtered page of entries, for the owner (the CLI).
CREATE FUNCTION wangge_audit_select({FILTERS}) RETURNS TABLE ({ENTRY})
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.id, a.at, a.actor, a.role::text, a.source, a.request_id::text,
           a.action::text, a.object_type::text, a.object_id, a.purpose, a.detail,
           a.prev_hash::text, a.hash::text
    FROM public.audit_log a
    WHERE a.id > coalesce(p_after, 0)
      AND (p_actor IS NULL OR a.actor = p_actor)
      AND (p_action IS NULL OR a.action = p_action)
      AND (p_object_type IS NULL OR a.object_type = p_object_type)
      AND (p_object_id IS NULL OR a.object_id = p_object_id)
      AND (p_since IS NULL OR a.at >= p_since)
      AND (p_until IS NULL OR a.at < p_until)
    ORDER BY a.id
    LIMIT least(greatest(coalesce(p_limit, 100), 1), 500)
$$;

-- The same for the API's role, which may not read the table: only when the request's
-- user (wangge_user_id(): the credential the API names per request) is an enabled admin.
CREATE FUNCTION wangge_audit_entries({FILTERS}) RETURNS TABLE ({ENTRY})
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    reader integer := public.wangge_user_id();
BEGIN
    IF reader IS NULL OR NOT EXISTS (
        SELECT 1 FROM public.user_account u
        WHERE u.id = reader AND u.enabled AND u.role = 'admin'
    ) THEN
        RAISE EXCEPTION 'only an enabled admin may read the audit log (the reader is %)',
            coalesce(reader::text, 'nobody') USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY SELECT * FROM public.wangge_audit_select(p_actor, p_action, p_object_type,
        p_object_id, p_since, p_until, p_after, p_limit);
END $$;
"""

SIGNATURE = "text, text, text, text, timestamptz, timestamptz, bigint, integer"
SIGNATURE_HASH = "bigint, timestamptz, text, text, text, text, text, text, text, text, jsonb, text"

RECHAIN = f"""
DO $$
DECLARE
    r record;
    prev text := '{GENESIS}';
    h text;
BEGIN
    FOR r IN SELECT * FROM audit_log ORDER BY id LOOP
        h := wangge_audit_hash(r.id, r.at, r.actor, r.role, r.source, r.request_id,
            r.action, r.object_type, r.object_id, r.purpose, r.detail, prev);
        UPDATE audit_log SET prev_hash = prev, hash = h WHERE id = r.id;
        prev := h;
    END LOOP;
END $$;
"""


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("role", sa.String(length=32), nullable=True))
    op.add_column("audit_log", sa.Column("source", sa.Text(), nullable=True))
    op.add_column("audit_log", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("purpose", sa.Text(), nullable=True))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(length=64), nullable=True))
    op.execute(HASH)
    op.execute(RECHAIN)  # the entries already there, in id order, before any guard
    op.alter_column("audit_log", "prev_hash", nullable=False)
    op.alter_column("audit_log", "hash", nullable=False)
    op.create_index("ux_audit_log_prev_hash", "audit_log", ["prev_hash"], unique=True)
    op.execute("ALTER TABLE audit_log ALTER COLUMN id DROP DEFAULT")  # the trigger draws it
    op.execute(CHAIN)
    op.execute(
        "CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION wangge_audit_chain()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION wangge_audit_guard()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION wangge_audit_guard()"
    )
    op.execute(READ)
    # The API's role may add entries and nothing else: no reading, changing or removing
    # them, and no sequence (the trigger draws the id as the owner), so no setval.
    op.execute(f"REVOKE ALL ON audit_log FROM {API_ROLE}")
    op.execute(f"GRANT INSERT ON audit_log TO {API_ROLE}")
    op.execute(f"REVOKE ALL ON SEQUENCE {SEQUENCE} FROM {API_ROLE}")
    for function in ("wangge_audit_select", "wangge_audit_entries"):
        op.execute(f"REVOKE ALL ON FUNCTION {function}({SIGNATURE}) FROM PUBLIC, {API_ROLE}")
    op.execute(f"GRANT EXECUTE ON FUNCTION wangge_audit_entries({SIGNATURE}) TO {API_ROLE}")
    for function in ("wangge_audit_chain", "wangge_audit_guard"):
        op.execute(f"REVOKE ALL ON FUNCTION {function}() FROM PUBLIC")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION wangge_audit_entries({SIGNATURE})")
    op.execute(f"DROP FUNCTION wangge_audit_select({SIGNATURE})")
    for trigger in ("audit_log_no_truncate", "audit_log_append_only", "audit_log_chain"):
        op.execute(f"DROP TRIGGER {trigger} ON audit_log")
    op.execute("DROP FUNCTION wangge_audit_guard()")
    op.execute("DROP FUNCTION wangge_audit_chain()")
    op.execute(f"DROP FUNCTION wangge_audit_hash({SIGNATURE_HASH})")
    op.execute(f"ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('{SEQUENCE}')")
    op.drop_index("ux_audit_log_prev_hash", table_name="audit_log")
    for column in ("hash", "prev_hash", "purpose", "request_id", "source", "role"):
        op.drop_column("audit_log", column)
    # As migration 0011 left them.
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON audit_log TO {API_ROLE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON SEQUENCE {SEQUENCE} TO {API_ROLE}")

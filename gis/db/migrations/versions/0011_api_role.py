"""The API's own database role, ``wangge_api``: no table of its own, no superuser, and
row-level security by the signed-in user's scope on the tables of personal data.

The API signs in as ``wangge_api`` (gis.db.api_role); the loader, the CLI and the job
workers keep the owner's role. Each API transaction names its user with
``set_config('wangge.user_id', ..., true)``; the policies read that user's scope from
``user_account`` and let through only the rows of its area. With no user named, the
API's role sees none.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

API_ROLE = "wangge_api"


def upgrade() -> None:
    # Roles belong to the cluster, not the database: made once, granted per database.
    op.execute(
        f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{API_ROLE}') THEN
                CREATE ROLE {API_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        END $$;
        """
    )
    for schema in ("public", "procrastinate"):
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {API_ROLE}")
        op.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {API_ROLE}"
        )
        op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {API_ROLE}")
        op.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {API_ROLE}")
        # Tables the owner makes in later migrations are the API's to use too.
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {API_ROLE}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {API_ROLE}"
        )


def downgrade() -> None:
    for schema in ("public", "procrastinate"):
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {API_ROLE}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"REVOKE USAGE, SELECT, UPDATE ON SEQUENCES FROM {API_ROLE}"
        )
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {API_ROLE}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {API_ROLE}")
        op.execute(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema} FROM {API_ROLE}")
        op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {API_ROLE}")

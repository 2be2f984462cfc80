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

# Who the request's user is, and where they may see: read once per statement (each
# policy wraps these in a sub-SELECT, an InitPlan, not a call per row).
FUNCTIONS = """
CREATE FUNCTION wangge_user_id() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('wangge.user_id', true), '')::integer
$$;

-- The request's user is enabled and has no scope: everywhere. PL/pgSQL, not SQL: a
-- SQL function that cannot be inlined is planned again at every call, a PL/pgSQL one
-- once per session (see docs/accounts.md, row-level security, for the figures).
CREATE FUNCTION wangge_scope_everywhere() RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN coalesce(
        (SELECT scope IS NULL FROM user_account WHERE id = wangge_user_id() AND enabled),
        false);
END $$;

-- The grid of a published plan a user's scope names (a grid worker's), else null.
CREATE FUNCTION wangge_scope_grid() RETURNS integer LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT g.id FROM user_account u
    JOIN grid g ON g.code = u.scope
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    WHERE u.id = wangge_user_id() AND u.enabled
    LIMIT 1);
END $$;

-- The communities in the user's scope: under its district, street or community, or
-- the community of its grid. Empty for no user, a disabled one, or a stale scope.
CREATE FUNCTION wangge_scope_communities() RETURNS integer[] LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(DISTINCT id), '{}') FROM (
        SELECT c.id FROM user_account u
        JOIN area s ON s.code = u.scope
        JOIN area c ON c.level = 'community' AND c.path <@ s.path
        WHERE u.id = wangge_user_id() AND u.enabled
        UNION ALL
        SELECT g.community_id FROM grid g WHERE g.id = wangge_scope_grid()
    ) AS scoped);
END $$;
"""

_EVERYWHERE = "(SELECT wangge_scope_everywhere())"
_IN_AREA = (
    "(community_id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[])) "
    " AND ((SELECT wangge_scope_grid()) IS NULL OR {grid}))"
)
# What each table of personal data shows the API's role: rows of the user's scope.
# Households, persons and incident events follow their building or incident.
POLICIES = {
    "building": _IN_AREA.format(
        grid="EXISTS (SELECT 1 FROM building_grid bg WHERE bg.building_id = building.id "
        "AND bg.grid_id = (SELECT wangge_scope_grid()))"
    ),
    # Correlated EXISTS, not IN (SELECT ...): the planner then keeps the caller's index
    # (a household by code: 0.75 ms, not 33 ms hashing every visible building).
    "household": "EXISTS (SELECT 1 FROM building b WHERE b.id = household.building_id)",
    "person": "EXISTS (SELECT 1 FROM household h WHERE h.id = person.household_id)",
    "incident": _IN_AREA.format(grid="grid_id = (SELECT wangge_scope_grid())"),
    "incident_event": "EXISTS (SELECT 1 FROM incident i WHERE i.id = incident_event.incident_id)",
    "worker": _IN_AREA.format(grid="grid_id = (SELECT wangge_scope_grid())"),
}


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
    # The owner may act as the API's role: a job reads as the user who started it.
    op.execute(
        f"""
        DO $$ BEGIN
            GRANT {API_ROLE} TO CURRENT_USER;
        EXCEPTION WHEN insufficient_privilege OR invalid_grant_operation THEN
            RAISE NOTICE 'grant {API_ROLE} to the owner by hand: analysis jobs need it';
        END $$;
        """
    )
    op.execute(FUNCTIONS)
    # Under row-level security the planner uses a condition of the query in an index
    # only when its operator is LEAKPROOF; PostGIS does not mark the box overlap `&&` so,
    # and every tile became a sequential scan (z16: 0.9 -> 44 ms). `&&` compares two
    # bounding boxes and fails only on mixed SRIDs, which are the columns' own: it shows
    # nothing of a row. Marking it needs a superuser; without one, tiles are slow.
    op.execute(
        """
        DO $$ BEGIN
            ALTER FUNCTION geometry_overlaps(geometry, geometry) LEAKPROOF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'a superuser should run: ALTER FUNCTION '
                'geometry_overlaps(geometry, geometry) LEAKPROOF (tiles scan every row)';
        END $$;
        """
    )
    for table, visible in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY scope ON {table} TO {API_ROLE} USING ({_EVERYWHERE} OR {visible})"
        )
        # The owner (loader, CLI, workers) sees every row, as before; FORCE makes even
        # the owner go through a policy, so this one says so out loud.
        op.execute(f"CREATE POLICY owner ON {table} TO CURRENT_USER USING (true)")


def downgrade() -> None:
    for table in POLICIES:
        op.execute(f"DROP POLICY scope ON {table}")
        op.execute(f"DROP POLICY owner ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for name in ("scope_communities", "scope_grid", "scope_everywhere", "user_id"):
        op.execute(f"DROP FUNCTION wangge_{name}()")
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

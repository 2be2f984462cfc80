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
-- Whose request this is. The owner's own sessions (the CLI, a job acting as its user
-- with SET ROLE) name a user id; the API's sessions name only a credential: the SHA-256
-- of the request's bearer token or session id, which the API's role cannot read from
-- the tables. So SQL run as the API cannot make itself another user by setting an id.
CREATE FUNCTION wangge_user_id() RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    credential text := nullif(current_setting('wangge.credential', true), '');
BEGIN
    IF session_user = current_user THEN  -- signed in as the owner of this function
        RETURN nullif(current_setting('wangge.user_id', true), '')::integer;
    END IF;
    IF credential IS NULL THEN
        RETURN NULL;
    END IF;
    RETURN coalesce(
        (SELECT t.user_id FROM api_token t
         WHERE t.token_hash = credential AND t.expires_at > now()),
        (SELECT s.user_id FROM user_session s
         WHERE s.id = credential AND s.expires_at > now()));
END $$;

-- The request's user is enabled and has no scope: everywhere. PL/pgSQL, not SQL: a
-- SQL function that cannot be inlined is planned again at every call, a PL/pgSQL one
-- once per session (see docs/accounts.md, row-level security, for the figures).
CREATE FUNCTION wangge_scope_everywhere() RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN coalesce(
        (SELECT scope IS NULL FROM user_account WHERE id = wangge_user_id() AND enabled),
        false);
END $$;

-- The grid of a published plan a user's scope names (a grid worker's), else null.
CREATE FUNCTION wangge_scope_grid() RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN (SELECT g.id FROM user_account u
    JOIN grid g ON g.code = u.scope
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    WHERE u.id = wangge_user_id() AND u.enabled
    LIMIT 1);
END $$;

-- The communities in the user's scope: under its district, street or community, or
-- the community of its grid. Empty for no user, a disabled one, or a stale scope.
CREATE FUNCTION wangge_scope_communities() RETURNS integer[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

# What signing in needs of the account tables, for a role that may not read them: each
# function does one step for a secret its caller already holds (a token, a session id,
# a name and password to check), so reading every hash or session is not among them.
_USER = (
    "id integer, name text, role text, scope text, enabled boolean, "
    "created_at timestamptz, last_sign_in_at timestamptz"
)
_DEFINER = "SECURITY DEFINER SET search_path = public, pg_temp"
ACCOUNT_FUNCTIONS = f"""
CREATE FUNCTION wangge_user_for_token(p_hash text) RETURNS TABLE ({_USER})
LANGUAGE sql VOLATILE {_DEFINER} AS $$
    -- last_used_at is written at most once a minute: a busy script's reads stay reads.
    WITH found AS (
        SELECT t.id AS token_id, t.last_used_at, u.id, u.name, u.role::text AS role,
               u.scope, u.enabled, u.created_at, u.last_sign_in_at
        FROM api_token t JOIN user_account u ON u.id = t.user_id
        WHERE t.token_hash = p_hash AND t.expires_at > now() AND u.enabled
    ), touched AS (
        UPDATE api_token t SET last_used_at = now() FROM found
        WHERE t.id = found.token_id
          AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
    )
    SELECT id, name, role, scope, enabled, created_at, last_sign_in_at FROM found
$$;

CREATE FUNCTION wangge_user_for_session(p_hash text) RETURNS TABLE ({_USER})
LANGUAGE sql STABLE {_DEFINER} AS $$
    SELECT u.id, u.name, u.role::text, u.scope, u.enabled, u.created_at, u.last_sign_in_at
    FROM user_session s JOIN user_account u ON u.id = s.user_id
    WHERE s.id = p_hash AND s.expires_at > now() AND u.enabled
$$;

CREATE FUNCTION wangge_open_session(p_user integer, p_hash text, p_hours integer)
RETURNS timestamptz LANGUAGE sql VOLATILE {_DEFINER} AS $$
    WITH account AS (
        SELECT id FROM user_account WHERE id = p_user AND enabled
    ), pruned AS (
        DELETE FROM user_session s USING account
        WHERE s.user_id = account.id AND s.expires_at <= now()
    )
    INSERT INTO user_session (id, user_id, expires_at)
    SELECT p_hash, id, now() + make_interval(hours => p_hours) FROM account
    RETURNING expires_at
$$;

CREATE FUNCTION wangge_close_session(p_hash text) RETURNS void
LANGUAGE sql VOLATILE {_DEFINER} AS $$
    DELETE FROM user_session WHERE id = p_hash
$$;

CREATE FUNCTION wangge_password_of(p_name text)
RETURNS TABLE ({_USER}, password_hash text) LANGUAGE sql STABLE {_DEFINER} AS $$
    SELECT id, name, role::text, scope, enabled, created_at, last_sign_in_at, password_hash
    FROM user_account WHERE name = p_name
$$;

CREATE FUNCTION wangge_signed_in(p_id integer, p_rehash text) RETURNS TABLE ({_USER})
LANGUAGE sql VOLATILE {_DEFINER} AS $$
    UPDATE user_account
    SET last_sign_in_at = now(), password_hash = coalesce(p_rehash, password_hash)
    WHERE id = p_id
    RETURNING id, name, role::text, scope, enabled, created_at, last_sign_in_at
$$;
"""
ACCOUNT_SIGNATURES = (
    "wangge_user_for_token(text)", "wangge_user_for_session(text)",
    "wangge_open_session(integer, text, integer)", "wangge_close_session(text)",
    "wangge_password_of(text)", "wangge_signed_in(integer, text)",
)  # fmt: skip

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


# The tables the API reads and never writes, and those it may not touch at all: accounts
# are read through the SECURITY DEFINER functions of gis/accounts/sql/functions.sql.
READ_ONLY = ("area", "building", "household", "person", "camera", "worker")
HIDDEN = ("user_account", "api_token", "user_session", "alembic_version")


def _grant() -> None:
    for schema in ("public", "procrastinate"):
        op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {API_ROLE}")
        op.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {API_ROLE}"
        )
        op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {API_ROLE}")
        op.execute(f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {API_ROLE}")
        # Tables the owner makes in later migrations are the API's to use too; a
        # migration whose table the API must not write says so with its own REVOKE.
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {API_ROLE}"
        )
        op.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
            f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {API_ROLE}"
        )
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON {', '.join(READ_ONLY)} FROM {API_ROLE}")
    op.execute(f"REVOKE ALL ON {', '.join(HIDDEN)} FROM {API_ROLE}")
    for signature in ACCOUNT_SIGNATURES:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {API_ROLE}")
    # A temporary table named like one of ours must not stand in for it in a function.
    op.execute("REVOKE TEMPORARY ON DATABASE " + _database() + f" FROM PUBLIC, {API_ROLE}")


def _database() -> str:
    return op.get_bind().exec_driver_sql("SELECT quote_ident(current_database())").scalar()


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
    op.execute(ACCOUNT_FUNCTIONS)
    _grant()
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
    op.execute("GRANT TEMPORARY ON DATABASE " + _database() + " TO PUBLIC")
    for signature in ACCOUNT_SIGNATURES:
        op.execute(f"DROP FUNCTION {signature}")
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

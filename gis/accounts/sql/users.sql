-- name: scope_level
-- What a scope code names: an area's level, or 'grid' for a grid of a published plan.
SELECT level::text AS level FROM area WHERE code = :code
UNION ALL
SELECT 'grid' FROM grid g
JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
WHERE g.code = :code
LIMIT 1;

-- name: create
-- A new user; no row when the name is taken.
INSERT INTO user_account (name, role, scope, password_hash)
VALUES (:name, CAST(:role AS user_role), :scope, :password_hash)
ON CONFLICT (name) DO NOTHING
RETURNING id, name, role::text AS role, scope, enabled, created_at, last_sign_in_at;

-- name: by_name
SELECT id, name, role::text AS role, scope, enabled, created_at, last_sign_in_at
FROM user_account WHERE name = :name;

-- name: list
SELECT id, name, role::text AS role, scope, enabled, created_at, last_sign_in_at
FROM user_account ORDER BY name;

-- name: password_hash
-- The stored hash and state of a user, for checking a password (a function: 0011).
SELECT * FROM wangge_password_of(:name);

-- name: signed_in
-- A successful sign-in: its time, and the hash again when its parameters are old.
SELECT * FROM wangge_signed_in(:id, :rehash);

-- name: set_password
-- A new password hash; the user's browser sessions end with the old password.
WITH changed AS (
    UPDATE user_account SET password_hash = :password_hash WHERE name = :name RETURNING id
), ended AS (
    DELETE FROM user_session s USING changed WHERE s.user_id = changed.id
)
SELECT id FROM changed;

-- name: set_enabled
-- Enable or disable a user; disabling ends their browser sessions. Their tokens
-- stay stored but are refused while the user is disabled.
WITH changed AS (
    UPDATE user_account SET enabled = :enabled WHERE name = :name
    RETURNING id, name, role::text AS role, scope, enabled, created_at, last_sign_in_at
), ended AS (
    DELETE FROM user_session s USING changed WHERE s.user_id = changed.id AND NOT :enabled
)
SELECT * FROM changed;

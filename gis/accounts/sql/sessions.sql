-- name: open
-- A new session of an enabled user; the user's expired sessions are pruned.
WITH account AS (
    SELECT id FROM user_account WHERE id = :user_id AND enabled
), pruned AS (
    DELETE FROM user_session s USING account
    WHERE s.user_id = account.id AND s.expires_at <= now()
)
INSERT INTO user_session (id, user_id, expires_at)
SELECT :session_hash, id, now() + make_interval(hours => :hours) FROM account
RETURNING expires_at;

-- name: user_for_session
SELECT u.id, u.name, u.role::text AS role, u.scope, u.enabled, u.created_at,
       u.last_sign_in_at
FROM user_session s JOIN user_account u ON u.id = s.user_id
WHERE s.id = :session_hash AND s.expires_at > now() AND u.enabled;

-- name: close
DELETE FROM user_session WHERE id = :session_hash;

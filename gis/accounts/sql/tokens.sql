-- name: issue
-- A new token of an enabled user; the user's tokens expired for a month are pruned.
WITH account AS (
    SELECT id FROM user_account WHERE name = :name AND enabled
), pruned AS (
    DELETE FROM api_token t USING account
    WHERE t.user_id = account.id AND t.expires_at < now() - interval '30 days'
)
INSERT INTO api_token (user_id, token_hash, expires_at)
SELECT id, :token_hash, now() + make_interval(days => :days) FROM account
RETURNING id, expires_at;

-- name: user_for_token
-- The enabled user of an unexpired token. last_used_at is written at most once a
-- minute, so a busy script does not turn every read into a write.
WITH found AS (
    SELECT t.id AS token_id, t.last_used_at, u.id, u.name, u.role::text AS role, u.scope,
           u.enabled, u.created_at, u.last_sign_in_at
    FROM api_token t JOIN user_account u ON u.id = t.user_id
    WHERE t.token_hash = :token_hash AND t.expires_at > now() AND u.enabled
), touched AS (
    UPDATE api_token t SET last_used_at = now() FROM found
    WHERE t.id = found.token_id
      AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
)
SELECT id, name, role, scope, enabled, created_at, last_sign_in_at FROM found;

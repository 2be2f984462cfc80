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
-- The enabled user of an unexpired token (a function: migration 0011).
SELECT * FROM wangge_user_for_token(:token_hash);

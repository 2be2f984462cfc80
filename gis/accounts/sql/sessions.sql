-- The account tables are read through functions (migration 0011): the API's role may
-- run them for a secret it holds, never read the tables.

-- name: open
-- A new session of an enabled user; the user's expired sessions are pruned.
SELECT wangge_open_session(:user_id, :session_hash, :hours) AS expires_at;

-- name: user_for_session
SELECT * FROM wangge_user_for_session(:session_hash);

-- name: close
SELECT wangge_close_session(:session_hash);

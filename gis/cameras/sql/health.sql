-- name: heartbeat
-- The video gateway saw these cameras' streams: their last heartbeat is now, and one
-- marked offline is online again (one under maintenance stays so: a person set that).
-- The API's role updates only the cameras of its user's scope (the row-level security
-- policy of migration 0023); the owner (CLI) all.
UPDATE camera c
SET last_heartbeat_at = now(),
    status = CASE WHEN c.status = 'offline' THEN 'online' ELSE c.status END
WHERE c.code = ANY(CAST(:codes AS text[]))
RETURNING c.code, c.status::text AS status, c.last_heartbeat_at;

-- name: mark_silent
-- Cameras that have sent heartbeats and then none for :silent_s seconds go offline.
-- A camera that never sent one is not watched: no gateway reports it.
UPDATE camera
SET status = 'offline'
WHERE status = 'online' AND last_heartbeat_at IS NOT NULL
  AND last_heartbeat_at < now() - make_interval(secs => :silent_s)
RETURNING code;

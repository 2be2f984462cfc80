-- name: lock_worker
-- The worker, locked until the batch commits: two batches of one worker take turns, so
-- its last position is the newest of both. Outside the user's scope there is no row.
SELECT w.id, w.code, w.account_id, w.community_id, w.grid_id
FROM worker w
WHERE w.code = :code
FOR NO KEY UPDATE OF w;

-- name: insert
-- The batch, each position with the published grid it fell in then: a record of where
-- the worker was under the plan in force, not a link to re-derive when a plan changes.
-- A time already stored for the worker is skipped (a client's retry).
WITH batch AS (
    SELECT t.at, ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326) AS geom, t.accuracy_m
    FROM unnest(CAST(:at AS timestamptz[]), CAST(:lon AS float8[]), CAST(:lat AS float8[]),
                CAST(:accuracy AS real[])) AS t(at, lon, lat, accuracy_m)
)
INSERT INTO worker_position (worker_id, at, geom, accuracy_m, grid_id)
SELECT :worker_id, b.at, b.geom, b.accuracy_m,
       (SELECT g.id FROM grid g
        JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
        WHERE ST_Intersects(g.geom, b.geom)
        ORDER BY g.id LIMIT 1)
FROM batch b
ON CONFLICT (worker_id, at) DO NOTHING
RETURNING at;

-- name: touch
-- The worker's last position, if this one is newer than the one it has.
UPDATE worker
SET last_geom = ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), last_seen_at = :at
WHERE id = :worker_id AND (last_seen_at IS NULL OR last_seen_at < :at);


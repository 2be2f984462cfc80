-- name: area_path
-- The path of an area, to select what is under it; no row for an unknown code.
SELECT path::text FROM area WHERE code = :code;

-- name: workers
-- Workers with their last position and status: offline when not seen for :stale_s
-- seconds, busy while an incident dispatched to them is open, else available. Under the
-- API's role, the workers of the user's scope only.
WITH busy AS (
    SELECT i.assignee, count(*) AS cases
    FROM incident i
    WHERE i.status IN ('dispatched', 'in_progress') AND i.assignee IS NOT NULL
    GROUP BY i.assignee
), listed AS (
    SELECT w.code, w.name, w.role, w.phone_masked, g.code AS grid, c.code AS community,
           ST_X(w.last_geom) AS lon, ST_Y(w.last_geom) AS lat, w.last_seen_at,
           coalesce(b.cases, 0)::int AS open_cases,
           CASE WHEN w.last_seen_at IS NULL
                     OR w.last_seen_at < now() - make_interval(secs => :stale_s) THEN 'offline'
                WHEN b.cases > 0 THEN 'busy'
                ELSE 'available' END AS status
    FROM worker w
    LEFT JOIN grid g ON g.id = w.grid_id
    LEFT JOIN area c ON c.id = w.community_id
    LEFT JOIN busy b ON b.assignee = w.code
    WHERE (CAST(:code AS text) IS NULL OR w.code = :code)
      AND (CAST(:path AS text) IS NULL OR c.path <@ CAST(:path AS ltree))
      AND (CAST(:grid AS text) IS NULL OR g.code = :grid)
)
SELECT * FROM listed
WHERE CAST(:statuses AS text[]) IS NULL OR status = ANY (CAST(:statuses AS text[]))
ORDER BY code
LIMIT :limit;

-- name: track
-- The positions of a worker between two times, oldest first.
SELECT p.at, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, p.accuracy_m, g.code AS grid
FROM worker_position p
JOIN worker w ON w.id = p.worker_id
LEFT JOIN grid g ON g.id = p.grid_id
WHERE w.code = :code AND p.at >= :start AND p.at < :end
ORDER BY p.at
LIMIT :limit;

-- name: exists
SELECT 1 FROM worker WHERE code = :code;

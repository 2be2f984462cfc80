-- name: grids
-- The grids of the published plans that have no worker yet, with their households and
-- outline (WGS 84 WKB).
SELECT g.id, g.code, g.community_id, g.households, ST_AsBinary(g.geom) AS wkb
FROM grid g
JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
WHERE NOT EXISTS (SELECT 1 FROM worker w WHERE w.grid_id = g.id)
ORDER BY g.code, g.id;

-- name: published
SELECT EXISTS (SELECT 1 FROM grid_plan WHERE status = 'published');

-- name: road_pieces
-- Each published grid's stretch of every road through it, as WGS 84 WKB lines.
SELECT s.grid_id, ST_AsBinary(s.geom) AS wkb
FROM (
    SELECT g.id AS grid_id, (ST_Dump(ST_Intersection(r.geom, g.geom))).geom AS geom
    FROM grid g
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    JOIN road r ON ST_Intersects(r.geom, g.geom)
    WHERE g.id = ANY (CAST(:ids AS integer[]))
) s
WHERE GeometryType(s.geom) = 'LINESTRING';

-- name: add_workers
-- A worker code already known (a grid code of an earlier plan) keeps its person and moves
-- to the new grid of that code; ``fresh`` is false for them (their day is patrolled).
INSERT INTO worker (code, name, role, phone_masked, community_id, grid_id)
SELECT t.code, t.name, 'grid_worker', t.phone, g.community_id, g.id
FROM unnest(CAST(:codes AS text[]), CAST(:names AS text[]), CAST(:phones AS text[]),
            CAST(:grids AS integer[])) AS t(code, name, phone, grid_id)
JOIN grid g ON g.id = t.grid_id
ON CONFLICT (code) DO UPDATE SET grid_id = EXCLUDED.grid_id, community_id = EXCLUDED.community_id
RETURNING id, code, xmax = 0 AS fresh;

-- name: last_positions
-- Each new worker's last position is the last of their track.
UPDATE worker w
SET last_geom = p.geom, last_seen_at = p.at
FROM (
    SELECT DISTINCT ON (worker_id) worker_id, at, geom
    FROM worker_position
    WHERE worker_id = ANY (CAST(:ids AS integer[]))
    ORDER BY worker_id, at DESC
) p
WHERE w.id = p.worker_id;

-- name: unhandled
-- The incidents with no timeline yet (loaded ones), with the hours their category and
-- urgency allow, and the first worker of their grid.
SELECT i.id, i.status::text AS status, i.source::text AS source, i.reported_at,
       coalesce(extract(epoch FROM
           wangge_incident_deadline(i.category, i.urgency, i.reported_at) - i.reported_at)
           / 3600.0, 72.0) AS deadline_h,
       (SELECT w.code FROM worker w WHERE w.grid_id = i.grid_id
        ORDER BY w.role <> 'grid_worker', w.code LIMIT 1) AS worker
FROM incident i
WHERE NOT EXISTS (SELECT 1 FROM incident_event e WHERE e.incident_id = i.id)
ORDER BY i.id;

-- name: handled
-- Who holds each incident after its history, and its deadline counted from acceptance
-- (accepting restarts it, as the workflow does).
UPDATE incident i
SET assignee = coalesce(t.assignee, i.assignee),
    deadline_at = coalesce(wangge_incident_deadline(i.category, i.urgency, t.accepted_at),
                           i.deadline_at)
FROM unnest(CAST(:ids AS bigint[]), CAST(:assignees AS text[]),
            CAST(:accepted AS timestamptz[])) AS t(id, assignee, accepted_at)
WHERE i.id = t.id AND t.accepted_at IS NOT NULL;

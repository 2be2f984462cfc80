-- name: building_community
-- A building belongs to the community holding its point on surface; ties go to the lower code.
UPDATE building b
SET community_id = c.id
FROM building s
CROSS JOIN LATERAL (
    SELECT a.id FROM area a
    WHERE a.level = 'community' AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))
    ORDER BY a.code LIMIT 1
) c
WHERE s.code = ANY(CAST(:codes AS text[])) AND b.id = s.id
  AND b.community_id IS DISTINCT FROM c.id;

-- name: building_published_grid
-- A building new to a published plan's area joins the grid holding its point on surface;
-- a building the plan already places keeps its grid (hand edits stand).
INSERT INTO building_grid (plan_id, building_id, grid_id)
SELECT g.plan_id, b.id, g.id
FROM building b
CROSS JOIN LATERAL (
    SELECT g.id, g.plan_id FROM grid g
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    WHERE ST_Intersects(g.geom, ST_PointOnSurface(b.geom))
    ORDER BY g.code LIMIT 1
) g
WHERE b.code = ANY(CAST(:codes AS text[]))
ON CONFLICT (plan_id, building_id) DO NOTHING;

-- name: camera_community
UPDATE camera k
SET community_id = c.id
FROM camera s
CROSS JOIN LATERAL (
    SELECT a.id FROM area a
    WHERE a.level = 'community' AND ST_Intersects(a.geom, s.geom)
    ORDER BY a.code LIMIT 1
) c
WHERE s.code = ANY(CAST(:codes AS text[])) AND k.id = s.id
  AND k.community_id IS DISTINCT FROM c.id;

-- name: incident_places
-- An incident's community, building and grid (of the published plan) from where it lies.
UPDATE incident i
SET community_id = (
        SELECT a.id FROM area a
        WHERE a.level = 'community' AND ST_Intersects(a.geom, i.geom)
        ORDER BY a.code LIMIT 1),
    building_id = (
        SELECT b.id FROM building b WHERE ST_Intersects(b.geom, i.geom)
        ORDER BY b.code LIMIT 1),
    grid_id = (
        SELECT g.id FROM grid g
        JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
        WHERE ST_Intersects(g.geom, i.geom)
        ORDER BY g.code LIMIT 1)
WHERE i.code = ANY(CAST(:codes AS text[]));

-- name: plan_incidents
-- On publishing: the incidents in the new plan's extent, and those whose grid belongs to a
-- plan no longer published, take their grid by the same rule as `incident_places`.
WITH target AS (
    SELECT i.id, (
        SELECT g.id FROM grid g
        JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
        WHERE ST_Intersects(g.geom, i.geom)
        ORDER BY g.code LIMIT 1) AS grid
    FROM incident i
    WHERE i.geom && (SELECT ST_SetSRID(ST_Extent(geom)::geometry, 4326) FROM grid
                     WHERE plan_id = :plan)
       OR i.grid_id IN (SELECT g.id FROM grid g JOIN grid_plan p ON p.id = g.plan_id
                        WHERE p.status <> 'published')
)
UPDATE incident i SET grid_id = t.grid
FROM target t
WHERE i.id = t.id AND i.grid_id IS DISTINCT FROM t.grid;

-- name: point_places
-- What an incident at (:lon, :lat) belongs to, by the rule of `incident_places`, before it
-- is written: an intake puts these in its INSERT, since row-level security checks the
-- community and grid a new row carries (a row without them is outside every scope).
SELECT c.id AS community_id, c.code AS community_code, c.name AS community_name,
       (SELECT b.id FROM building b WHERE ST_Intersects(b.geom, p.geom)
        ORDER BY b.code LIMIT 1) AS building_id,
       (SELECT g.id FROM grid g
        JOIN grid_plan pl ON pl.id = g.plan_id AND pl.status = 'published'
        WHERE ST_Intersects(g.geom, p.geom)
        ORDER BY g.code LIMIT 1) AS grid_id
FROM (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) p
LEFT JOIN LATERAL (
    SELECT a.id, a.code, a.name FROM area a
    WHERE a.level = 'community' AND ST_Intersects(a.geom, p.geom)
    ORDER BY a.code LIMIT 1
) c ON true;

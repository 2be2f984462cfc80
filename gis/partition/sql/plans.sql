-- name: communities_under
-- The communities of an area (itself if it is one).
SELECT c.id, c.code, c.name, c.kind, c.geom
FROM area c, area a
WHERE a.id = :id AND c.level = 'community' AND c.path <@ a.path
ORDER BY c.code;

-- name: buildings_under
-- The buildings linked to the communities of an area.
SELECT b.id, b.code, b.households, b.geom
FROM building b JOIN area c ON c.id = b.community_id, area a
WHERE a.id = :id AND c.path <@ a.path
ORDER BY b.code;

-- name: insert_plan
INSERT INTO grid_plan (name, area_id, params, created_by)
VALUES (:name, :area, CAST(:params AS jsonb), :by) RETURNING id;

-- name: delete_grids
DELETE FROM grid WHERE plan_id = :id;

-- name: insert_grids
-- Every grid of the plan in one statement, from parallel arrays.
INSERT INTO grid (plan_id, community_id, code, name, geom, households, area_m2)
SELECT :plan, c.id, g.code, g.code, ST_Multi(ST_GeomFromWKB(g.wkb, 4326)),
       g.households, g.area_m2
FROM unnest(CAST(:codes AS text[]), CAST(:communities AS text[]),
            CAST(:wkb AS bytea[]), CAST(:households AS int[]),
            CAST(:area AS float8[]))
     AS g(code, community, wkb, households, area_m2)
JOIN area c ON c.code = g.community;

-- name: insert_assignment
INSERT INTO building_grid (plan_id, building_id, grid_id)
SELECT :plan, b.id, g.id
FROM unnest(CAST(:buildings AS text[]), CAST(:grids AS text[])) AS a(building, grid)
JOIN building b ON b.code = a.building
JOIN grid g ON g.plan_id = :plan AND g.code = a.grid;

-- name: plan_row
SELECT p.id, p.name, p.status::text AS status, p.version, p.params,
       p.created_by, p.created_at, p.published_by, p.published_at,
       a.code AS area_code, a.name AS area_name,
       (SELECT count(*) FROM grid g WHERE g.plan_id = p.id) AS grids
FROM grid_plan p JOIN area a ON a.id = p.area_id
WHERE p.id = :id;

-- name: list_plans
SELECT p.id, p.name, p.status::text AS status, p.version, a.code AS area_code,
       p.created_at, p.published_at,
       (SELECT count(*) FROM grid g WHERE g.plan_id = p.id) AS grids
FROM grid_plan p JOIN area a ON a.id = p.area_id
WHERE CAST(:area AS text) IS NULL
   OR a.path <@ (SELECT path FROM area WHERE code = :area)
ORDER BY p.id;

-- name: plan_grids
SELECT g.code, c.code AS community_code, g.households, g.area_m2,
       (SELECT count(*) FROM building_grid bg WHERE bg.grid_id = g.id) AS buildings,
       g.locked, g.geom AS geometry
FROM grid g JOIN area c ON c.id = g.community_id
WHERE g.plan_id = :id ORDER BY g.code;

-- name: plan_assignment
SELECT b.code AS building_id, g.code AS grid_code, c.code AS community_code
FROM building_grid bg JOIN building b ON b.id = bg.building_id
JOIN grid g ON g.id = bg.grid_id JOIN area c ON c.id = g.community_id
WHERE bg.plan_id = :id ORDER BY b.code;

-- name: lock_plan
-- The row lock serialises edits of one plan; the version says whether the edit is stale.
SELECT version, status::text AS status FROM grid_plan WHERE id = :id FOR UPDATE;

-- name: bump_version
UPDATE grid_plan SET version = version + 1, params = CAST(:p AS jsonb) WHERE id = :id;

-- name: upsert_grids
-- The grids an edit drew anew, in one statement: a code the plan has is updated in
-- place (its lock kept), a new one inserted.
INSERT INTO grid (plan_id, community_id, code, name, geom, households, area_m2)
SELECT :plan, c.id, g.code, g.code, ST_Multi(ST_GeomFromWKB(g.wkb, 4326)),
       g.households, g.area_m2
FROM unnest(CAST(:codes AS text[]), CAST(:communities AS text[]),
            CAST(:wkb AS bytea[]), CAST(:households AS int[]),
            CAST(:area AS float8[]))
     AS g(code, community, wkb, households, area_m2)
JOIN area c ON c.code = g.community
ON CONFLICT (plan_id, code) DO UPDATE
SET community_id = EXCLUDED.community_id, geom = EXCLUDED.geom,
    households = EXCLUDED.households, area_m2 = EXCLUDED.area_m2;

-- name: delete_grids_coded
DELETE FROM grid WHERE plan_id = :plan AND code = ANY (CAST(:codes AS text[]));

-- name: delete_assignment_of
DELETE FROM building_grid bg USING building b
WHERE bg.plan_id = :plan AND b.id = bg.building_id
  AND b.code = ANY (CAST(:buildings AS text[]));

-- name: delete_assignment
DELETE FROM building_grid WHERE plan_id = :plan;

-- name: inputs_changed
-- The newest change to what a plan is built on (areas, buildings): a plan kept in memory
-- is good while this is unchanged.
SELECT GREATEST(
  (SELECT max(id) FROM tile_change WHERE layer = 'areas'),
  (SELECT max(id) FROM tile_change WHERE layer = 'buildings'), 0) AS changed;

-- name: locked_grids
SELECT code FROM grid WHERE plan_id = :id AND locked ORDER BY code;

-- name: set_locked
UPDATE grid SET locked = :locked WHERE plan_id = :id AND code = :code RETURNING id;

-- name: bump_only
UPDATE grid_plan SET version = version + 1 WHERE id = :id;

-- name: building_communities
-- Each building of an area with its community's code: an import's rows checked quickly.
SELECT b.code, c.code AS community_code
FROM building b JOIN area c ON c.id = b.community_id, area a
WHERE a.id = :id AND c.path <@ a.path;

-- name: community_codes
SELECT c.code FROM area c, area a
WHERE a.id = :id AND c.level = 'community' AND c.path <@ a.path ORDER BY c.code;

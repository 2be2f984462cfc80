-- name: archive_overlapping
-- Any published plan of an overlapping area (the same, above or below) becomes history.
UPDATE grid_plan o SET status = 'archived', version = o.version + 1
FROM area oa, area a, grid_plan p
WHERE p.id = :id AND a.id = p.area_id AND oa.id = o.area_id
  AND o.status = 'published' AND (oa.path <@ a.path OR a.path <@ oa.path);

-- name: publish
UPDATE grid_plan SET status = 'published', published_by = :by,
       published_at = now(), version = version + 1
WHERE id = :id;

-- name: moved_buildings
-- Buildings whose grid code differs between plan :against and plan :plan.
SELECT b.code AS building, b.households, ga.code AS from_grid, gb.code AS to_grid
FROM building b
LEFT JOIN building_grid a ON a.building_id = b.id AND a.plan_id = :against
LEFT JOIN grid ga ON ga.id = a.grid_id
LEFT JOIN building_grid n ON n.building_id = b.id AND n.plan_id = :plan
LEFT JOIN grid gb ON gb.id = n.grid_id
WHERE (a.grid_id IS NOT NULL OR n.grid_id IS NOT NULL)
  AND ga.code IS DISTINCT FROM gb.code
ORDER BY b.code;

-- name: grid_codes
SELECT code, bool_or(plan_id = :plan) AS in_plan, bool_or(plan_id = :against) AS before
FROM grid WHERE plan_id IN (:plan, :against) GROUP BY code ORDER BY code;

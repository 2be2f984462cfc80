-- name: read
-- The incidents an IncidentFilter selects, with their community and grid, oldest first.
-- Each filter is off when its parameter is NULL; the path is the area's ltree path
-- (from gis.places.areas.area_by_code). Keep the WHERE the same in `count` and `extent`.
SELECT i.code, i.category, i.urgency::text AS urgency, i.status::text AS status,
       i.source::text AS source, i.reported_at, c.code AS community_code,
       c.name AS community_name, g.code AS grid_code, i.geom AS geometry
FROM incident i
LEFT JOIN area c ON c.id = i.community_id
LEFT JOIN grid g ON g.id = i.grid_id
WHERE (CAST(:path AS ltree) IS NULL OR c.path <@ CAST(:path AS ltree))
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz))
ORDER BY i.reported_at, i.code;

-- name: count
-- How many incidents `read` would return, without reading them.
SELECT count(*)
FROM incident i
LEFT JOIN area c ON c.id = i.community_id
LEFT JOIN grid g ON g.id = i.grid_id
WHERE (CAST(:path AS ltree) IS NULL OR c.path <@ CAST(:path AS ltree))
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz));

-- name: extent
-- What bounds an analysis before it runs: how many incidents, over how much ground
-- (the convex hull, in km²), their box (lon/lat) and their time span. Keep the WHERE
-- the same as in `read`.
SELECT count(*) AS n,
       coalesce(ST_Area(ST_ConvexHull(ST_Collect(i.geom))::geography), 0) / 1e6 AS hull_km2,
       ST_XMin(ST_Extent(i.geom)) AS west, ST_YMin(ST_Extent(i.geom)) AS south,
       ST_XMax(ST_Extent(i.geom)) AS east, ST_YMax(ST_Extent(i.geom)) AS north,
       min(i.reported_at) AS first, max(i.reported_at) AS last
FROM incident i
LEFT JOIN area c ON c.id = i.community_id
WHERE (CAST(:path AS ltree) IS NULL OR c.path <@ CAST(:path AS ltree))
  AND (CAST(:categories AS text[]) IS NULL OR i.category = ANY(CAST(:categories AS text[])))
  AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz));

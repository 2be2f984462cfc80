-- name: area
-- The area sited in, one row.
SELECT a.code, a.geom FROM area a WHERE a.id = :area_id;

-- name: roads
-- The roads meeting the area (cut to it in Python, in a metric CRS).
SELECT r.code, r.geom
FROM road r, area a
WHERE a.id = :area_id AND ST_Intersects(r.geom, a.geom);

-- name: buildings
-- The footprints that can block a view into the area: those within reach of it
-- (the box widened by reach_m, in degrees at no less than 80 km a degree).
SELECT b.code, b.geom
FROM building b, area a
WHERE a.id = :area_id AND b.geom && ST_Expand(a.geom, :reach_m / 80000.0);

-- name: cameras
-- The online cameras that can see into the area, as the views are computed: a camera
-- without heading or field of view is a dome, one without range sees 30 m.
SELECT c.code, coalesce(c.heading, 0) AS heading, coalesce(c.fov_deg, 360) AS fov_deg,
       coalesce(c.range_m, 30) AS range_m, c.geom
FROM camera c, area a
WHERE a.id = :area_id AND c.status = 'online'
  AND c.geom && ST_Expand(a.geom, :reach_m / 80000.0);

-- name: incidents
-- The incidents inside the area reported in [since, until) (each bound off when NULL).
SELECT i.code, i.geom
FROM incident i, area a
WHERE a.id = :area_id AND ST_Intersects(i.geom, a.geom)
  AND (CAST(:since AS timestamptz) IS NULL OR i.reported_at >= CAST(:since AS timestamptz))
  AND (CAST(:until AS timestamptz) IS NULL OR i.reported_at < CAST(:until AS timestamptz));

-- name: road_length
-- How many metres of road lie inside the area: the candidates' count before any is made.
SELECT coalesce(sum(ST_Length(ST_Intersection(r.geom, a.geom)::geography)), 0)
FROM road r, area a
WHERE a.id = :area_id AND ST_Intersects(r.geom, a.geom);

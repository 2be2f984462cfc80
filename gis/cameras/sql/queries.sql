-- name: incident
-- The incident, if the caller may read it (row-level security on incident).
SELECT code FROM incident WHERE code = :code;

-- name: incident_cameras
-- Cameras within range of the incident (the box of the longest range finds them on the
-- GiST index; then each camera's own range on the spheroid), with what their view says.
-- `facing`: the incident lies in the camera's sector; seen or not is the stored view's.
WITH i AS (
    SELECT geom, geom::geography AS geog FROM incident WHERE code = :code
), reach AS (
    SELECT coalesce(max(range_m), 50) AS m FROM camera
), near AS (
    SELECT k.id, k.code, k.name, k.level::text AS level, k.status::text AS status,
           k.stream_url, k.last_heartbeat_at, k.heading, k.fov_deg, i.geom AS at,
           ST_Distance(k.geom::geography, i.geog) AS distance_m,
           coalesce(degrees(ST_Azimuth(k.geom::geography, i.geog)), 0) AS bearing_deg
    FROM i CROSS JOIN reach
    JOIN camera k ON k.geom && ST_Expand(i.geom, wangge_metres_to_degrees(ST_Y(i.geom), reach.m))
    WHERE ST_DWithin(k.geom::geography, i.geog, coalesce(k.range_m, 50))
), judged AS (
    SELECT n.*, coalesce(ST_Intersects(v.geom, n.at), false) AS visible,
           (n.heading IS NULL OR n.fov_deg IS NULL OR n.fov_deg >= 360 OR n.distance_m < 0.01
            OR abs(mod(CAST(n.bearing_deg - n.heading AS numeric) + 540, 360) - 180)
               <= n.fov_deg / 2) AS facing
    FROM near n LEFT JOIN camera_view v ON v.camera_id = n.id
)
SELECT code, name, level, status, distance_m, bearing_deg, visible, stream_url,
       last_heartbeat_at
FROM judged WHERE visible OR facing
ORDER BY visible DESC, distance_m, code
LIMIT :limit;

-- name: communities_under
-- How many communities and published grids lie under an area (to bound a request).
SELECT count(*) FILTER (WHERE c.level = 'community') AS communities,
       (SELECT count(*) FROM grid g
        JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
        JOIN area gc ON gc.id = g.community_id
        WHERE gc.path <@ CAST(:path AS ltree)) AS grids
FROM area c WHERE c.path <@ CAST(:path AS ltree);

-- name: coverage_communities
-- Stored coverage of the communities under an area (those of the caller's scope: RLS).
SELECT c.code, c.name, c.code AS community_code, v.area_m2, v.public_m2,
       v.public_m2 - v.covered_m2 AS blind_m2, v.computed_at,
       EXISTS (SELECT 1 FROM camera_coverage_queue q WHERE q.community_id = c.id) AS stale
FROM area c JOIN camera_coverage v ON v.community_id = c.id
WHERE c.level = 'community' AND c.path <@ CAST(:path AS ltree)
ORDER BY c.code;

-- name: coverage_grids
-- Each published grid's share of its community's public space and blind spots.
SELECT g.code, g.name, c.code AS community_code, ST_Area(g.geom::geography) AS area_m2,
       ST_Area(ST_Intersection(g.geom, v.public_geom)::geography) AS public_m2,
       ST_Area(ST_Intersection(g.geom, v.geom)::geography) AS blind_m2, v.computed_at,
       EXISTS (SELECT 1 FROM camera_coverage_queue q WHERE q.community_id = c.id) AS stale
FROM grid g
JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
JOIN area c ON c.id = g.community_id
JOIN camera_coverage v ON v.community_id = c.id
WHERE c.path <@ CAST(:path AS ltree)
ORDER BY g.code;

-- name: rank_grids
-- Grids by uncovered public space weighted by the incidents reported in its blind spots
-- in the period: score = blind m² × (1 + those incidents).
WITH ranked AS (
    SELECT g.code, g.name, c.code AS community_code,
           ST_Area(ST_Intersection(g.geom, v.public_geom)::geography) AS public_m2,
           ST_Area(ST_Intersection(g.geom, v.geom)::geography) AS blind_m2,
           (SELECT count(*) FROM incident i
            WHERE i.grid_id = g.id AND i.reported_at >= :since AND i.reported_at < :until)
               AS incidents,
           (SELECT count(*) FROM incident i
            WHERE i.grid_id = g.id AND i.reported_at >= :since AND i.reported_at < :until
              AND ST_Intersects(v.geom, i.geom)) AS incidents_in_blind_spots
    FROM grid g
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    JOIN area c ON c.id = g.community_id
    JOIN camera_coverage v ON v.community_id = c.id
    WHERE c.path <@ CAST(:path AS ltree)
)
SELECT *, blind_m2 * (1 + incidents_in_blind_spots) AS score
FROM ranked ORDER BY score DESC, code LIMIT :limit;

-- name: rank_communities
-- The same ranking over communities, where the area has no published grids.
WITH ranked AS (
    SELECT c.code, c.name, c.code AS community_code, v.public_m2,
           v.public_m2 - v.covered_m2 AS blind_m2,
           (SELECT count(*) FROM incident i
            WHERE i.community_id = c.id AND i.reported_at >= :since AND i.reported_at < :until)
               AS incidents,
           (SELECT count(*) FROM incident i
            WHERE i.community_id = c.id AND i.reported_at >= :since AND i.reported_at < :until
              AND ST_Intersects(v.geom, i.geom)) AS incidents_in_blind_spots
    FROM area c JOIN camera_coverage v ON v.community_id = c.id
    WHERE c.level = 'community' AND c.path <@ CAST(:path AS ltree)
)
SELECT *, blind_m2 * (1 + incidents_in_blind_spots) AS score
FROM ranked ORDER BY score DESC, code LIMIT :limit;

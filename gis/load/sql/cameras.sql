-- name: check_in_area
SELECT s.row, 'geometry' AS field,
       format('the camera at (%s, %s) lies outside every area loaded (is --crs right?)',
              round(ST_X(s.geom)::numeric, 6), round(ST_Y(s.geom)::numeric, 6)) AS message
FROM stage s
WHERE NOT EXISTS (SELECT 1 FROM area a WHERE a.level = 'community' AND ST_Intersects(a.geom, s.geom));

-- name: upsert
INSERT INTO camera (code, name, level, status, heading, fov_deg, range_m, stream_url, geom)
SELECT s.code, s.name, s.level::camera_level, coalesce(s.status, 'online')::camera_status,
       s.heading, s.fov_deg, s.range_m, s.stream_url, s.geom
FROM stage s
ON CONFLICT (code) DO UPDATE
SET name = EXCLUDED.name, level = EXCLUDED.level, status = EXCLUDED.status,
    heading = EXCLUDED.heading, fov_deg = EXCLUDED.fov_deg, range_m = EXCLUDED.range_m,
    stream_url = EXCLUDED.stream_url, geom = EXCLUDED.geom;

-- name: refresh_community_stats
REFRESH MATERIALIZED VIEW community_stats;

-- name: check_in_community
SELECT s.row, 'geometry' AS field,
       'the building lies outside every community loaded (load areas first; is --crs right?)'
       AS message
FROM stage s
WHERE NOT EXISTS (
    SELECT 1 FROM area a
    WHERE a.level = 'community' AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))
);

-- name: upsert
INSERT INTO building (code, address, levels, kind, households, geom)
SELECT s.code, s.address, s.levels, s.kind, coalesce(s.households, 0), s.geom
FROM stage s
ON CONFLICT (code) DO UPDATE
SET address = EXCLUDED.address, levels = EXCLUDED.levels, kind = EXCLUDED.kind,
    households = EXCLUDED.households, geom = EXCLUDED.geom;

-- name: refresh_community_stats
REFRESH MATERIALIZED VIEW community_stats;

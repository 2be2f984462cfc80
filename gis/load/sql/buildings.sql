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

-- name: link_community
-- A building belongs to the community holding its point on surface; ties go to the lower code.
UPDATE building b
SET community_id = c.id
FROM stage s
CROSS JOIN LATERAL (
    SELECT a.id FROM area a
    WHERE a.level = 'community' AND ST_Intersects(a.geom, ST_PointOnSurface(s.geom))
    ORDER BY a.code LIMIT 1
) c
WHERE b.code = s.code;

-- name: refresh_community_stats
REFRESH MATERIALIZED VIEW community_stats;

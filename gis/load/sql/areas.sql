-- name: check_parent_exists
SELECT s.row, 'parent_code' AS field,
       format('parent area %s is neither in this file nor in the database', s.parent_code) AS message
FROM stage s
WHERE s.parent_code IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM stage p WHERE p.code = s.parent_code)
  AND NOT EXISTS (SELECT 1 FROM area p WHERE p.code = s.parent_code);

-- name: check_parent_needed
SELECT s.row, 'parent_code' AS field, format('a %s needs a parent_code', s.level) AS message
FROM stage s
WHERE s.parent_code IS NULL AND s.level <> 'district';

-- name: check_parent_level
WITH parent AS (
    SELECT code, level::text AS level, geom FROM stage
    UNION ALL
    SELECT code, level::text, geom FROM area WHERE code NOT IN (SELECT code FROM stage)
)
SELECT s.row, 'level' AS field,
       format('a %s cannot sit under %s, a %s', s.level, p.code, p.level) AS message
FROM stage s JOIN parent p ON p.code = s.parent_code
WHERE array_position(enum_range(NULL::area_level)::text[], s.level)
   <= array_position(enum_range(NULL::area_level)::text[], p.level);

-- name: check_inside_parent
-- Tolerance: 1 m² plus 0.1 % of the area, for boundaries digitised at different scales.
WITH parent AS (
    SELECT code, geom FROM stage
    UNION ALL
    SELECT code, geom FROM area WHERE code NOT IN (SELECT code FROM stage)
), outside AS (
    SELECT s.row, p.code AS parent_code,
           ST_Area(ST_Difference(s.geom, p.geom)::geography) AS outside_m2,
           ST_Area(s.geom::geography) AS area_m2
    FROM stage s JOIN parent p ON p.code = s.parent_code
    WHERE NOT ST_CoveredBy(s.geom, p.geom)
)
SELECT row, 'geometry' AS field,
       format('%s m² of the area lie outside its parent %s (is --crs right?)',
              round(outside_m2::numeric, 1), parent_code) AS message
FROM outside
WHERE outside_m2 > 1 + 0.001 * area_m2;

-- name: upsert
-- Run once per level, parents first, so the path trigger sees each parent.
INSERT INTO area (code, name, level, kind, parent_id, geom, area_m2)
SELECT s.code, s.name, s.level::area_level, s.kind, p.id, ST_Multi(s.geom),
       ST_Area(s.geom::geography)
FROM stage s LEFT JOIN area p ON p.code = s.parent_code
WHERE s.level = :level
ON CONFLICT (code) DO UPDATE
SET name = EXCLUDED.name, level = EXCLUDED.level, kind = EXCLUDED.kind,
    parent_id = EXCLUDED.parent_id, geom = EXCLUDED.geom, area_m2 = EXCLUDED.area_m2;

-- name: refresh_community_stats
REFRESH MATERIALIZED VIEW community_stats;

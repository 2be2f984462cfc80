-- name: check_in_area
SELECT s.row, 'geometry' AS field,
       format('the road starting at (%s, %s) lies outside every area loaded (is --crs right?)',
              round(ST_X(ST_StartPoint(ST_GeometryN(s.geom, 1)))::numeric, 6),
              round(ST_Y(ST_StartPoint(ST_GeometryN(s.geom, 1)))::numeric, 6)) AS message
FROM stage s
WHERE NOT EXISTS (SELECT 1 FROM area a WHERE ST_Intersects(a.geom, s.geom));

-- name: upsert
INSERT INTO road (code, name, kind, geom)
SELECT s.code, s.name, coalesce(s.kind, 'road'), ST_Multi(s.geom)
FROM stage s
ON CONFLICT (code) DO UPDATE
SET name = EXCLUDED.name, kind = EXCLUDED.kind, geom = EXCLUDED.geom;

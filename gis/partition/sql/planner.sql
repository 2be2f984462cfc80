-- name: plan_buildings
-- The plan's buildings with their grid in it, as one GeoJSON FeatureCollection (the
-- planner page paints them): footprint, code, households, grid, a point inside.
SELECT json_build_object(
  'type', 'FeatureCollection',
  'features', coalesce(json_agg(json_build_object(
    'type', 'Feature',
    'geometry', ST_AsGeoJSON(b.geom, 7)::json,
    'properties', json_build_object(
      'code', b.code, 'households', b.households, 'grid', g.code,
      'lon', round(ST_X(ST_PointOnSurface(b.geom))::numeric, 7),
      'lat', round(ST_Y(ST_PointOnSurface(b.geom))::numeric, 7))
  ) ORDER BY b.code), '[]'::json)
)::text AS fc
FROM building_grid bg JOIN building b ON b.id = bg.building_id
JOIN grid g ON g.id = bg.grid_id
WHERE bg.plan_id = :id;

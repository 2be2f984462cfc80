-- No `WHERE geom IS NOT NULL` on the outside: ST_AsMVT skips NULL geometries itself,
-- and the planner would push that filter down and clip every footprint twice.
WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT b.code, b.address, b.levels, b.kind, b.households,
           ST_AsMVTGeom(b.geom_3857, bounds.tile, :extent, :buffer, true) AS geom
    FROM building b CROSS JOIN bounds
    WHERE b.geom && bounds.search
) t

WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT k.code, k.name, k.level::text AS level, k.status::text AS status,
           k.heading, k.fov_deg, k.range_m,
           ST_AsMVTGeom(k.geom_3857, bounds.tile, :extent, :buffer, true) AS geom
    FROM camera k CROSS JOIN bounds
    WHERE k.geom && bounds.search
) t

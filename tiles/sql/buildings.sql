WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT b.code, b.address, b.levels, b.kind, b.households, c.code AS community_code,
           ST_AsMVTGeom(b.geom_3857, bounds.tile, :extent, :buffer, true) AS geom
    FROM building b CROSS JOIN bounds
    LEFT JOIN area c ON c.id = b.community_id
    WHERE b.geom && bounds.search
) t WHERE t.geom IS NOT NULL

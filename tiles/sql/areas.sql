WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT a.code, a.name, a.level::text AS level, a.kind,
           p.code AS parent_code,
           ST_AsMVTGeom(ST_Transform(a.geom, 3857), bounds.tile, :extent, :buffer, true) AS geom
    FROM area a CROSS JOIN bounds
    LEFT JOIN area p ON p.id = a.parent_id
    WHERE a.level = CAST(:level AS area_level) AND a.geom && bounds.search
) t

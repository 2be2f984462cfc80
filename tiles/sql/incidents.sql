WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT i.code, i.category, i.status::text AS status, i.urgency::text AS urgency,
           i.source::text AS source,
           extract(epoch FROM i.reported_at)::bigint AS reported_at,
           ST_AsMVTGeom(i.geom_3857, bounds.tile, :extent, :buffer, true) AS geom
    FROM incident i CROSS JOIN bounds
    WHERE i.geom && bounds.search AND {filters}
) t

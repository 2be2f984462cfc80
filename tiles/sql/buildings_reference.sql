-- The buildings tile as a generic tile server makes it: every footprint through
-- ST_AsMVTGeom. Not served; the tests hold buildings.sql's fast path to it, and the
-- benchmark reports its rate as the database's plain ceiling.
WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT b.code, b.address, b.levels, b.kind, b.households,
           ST_AsMVTGeom(b.geom_3857, bounds.tile, :extent, :buffer, true) AS geom
    FROM building b CROSS JOIN bounds
    WHERE b.geom && bounds.search
) t

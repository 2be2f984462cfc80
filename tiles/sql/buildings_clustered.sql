-- Zooms 12-13: buildings counted per cell, each cell one point at the mean of its
-- members' box centres, with their count and households.
WITH {bounds}, {tile_keys}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.households, {cell_point} AS geom
    FROM (
        SELECT count(*) AS count, sum(b.households) AS households,
               avg(b.mx::float8) AS mx, avg(b.my::float8) AS my
        FROM building b CROSS JOIN keys
        WHERE b.morton >= keys.lo AND b.morton < keys.hi
        GROUP BY b.morton >> keys.shift
    ) g CROSS JOIN bounds
) t

-- Low zooms, and tiles too dense for points: cameras counted per cell, each cell one
-- point at its members' mean position, with the count and how many are online.
WITH {bounds}, {tile_keys}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.online, {cell_point} AS geom
    FROM (
        SELECT count(*) AS count, count(*) FILTER (WHERE k.status = 'online') AS online,
               avg(k.mx::float8) AS mx, avg(k.my::float8) AS my
        FROM camera k CROSS JOIN keys
        WHERE k.morton >= keys.lo AND k.morton < keys.hi
        GROUP BY k.morton >> keys.shift
    ) g CROSS JOIN bounds
) t

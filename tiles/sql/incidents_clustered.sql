-- Low zooms, and tiles too dense for points: incidents counted per cell, each cell
-- one point at its members' mean position, with the count and the open count.
WITH {bounds}, {tile_keys}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.open, {cell_point} AS geom
    FROM (
        SELECT count(*) AS count,
               count(*) FILTER (WHERE i.status IN ('reported', 'accepted', 'dispatched', 'in_progress')) AS open,
               avg(i.mx::float8) AS mx, avg(i.my::float8) AS my
        FROM incident i CROSS JOIN keys
        WHERE i.morton >= keys.lo AND i.morton < keys.hi AND {filters}
        GROUP BY i.morton >> keys.shift
    ) g CROSS JOIN bounds
) t

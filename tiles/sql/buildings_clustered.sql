-- Zooms 12-13: buildings counted per cell, each cell one point at its members' mean
-- position, with their count and households. A footprint's position is the centre of
-- its bounding box, read from the stored box rather than computed from the polygon.
WITH {bounds}, {cells}, p AS (
    SELECT (ST_XMin(b.geom) + ST_XMax(b.geom)) / 2 AS lon,
           (ST_YMin(b.geom) + ST_YMax(b.geom)) / 2 AS lat, b.households
    FROM building b CROSS JOIN cells WHERE b.geom && cells.exact
), {cell_keys}
-- Group on the integer cell keys alone (hashable), then place each cell's point.
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.households,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326), 3857),
                        bounds.tile, :extent, :buffer, true) AS geom
    FROM (
        SELECT count(*) AS count, sum(c.households) AS households,
               avg(c.lon) AS lon, avg(c.lat) AS lat
        FROM c CROSS JOIN cells
        WHERE c.cx >= cells.x0 AND c.cx < cells.x0 + :cells
          AND c.cy >= cells.y0 AND c.cy < cells.y0 + :cells
        GROUP BY c.cx, c.cy
    ) g CROSS JOIN bounds
) t WHERE t.geom IS NOT NULL

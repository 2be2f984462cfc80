-- Zooms 12-13: buildings counted per cell, each cell one point at the mean of its
-- members' box centres, with their count and households.
WITH {bounds}, {cells}, p AS (
    SELECT b.mx, b.my, b.households
    FROM building b CROSS JOIN cells
    WHERE b.geom && cells.exact
), {cell_keys}
-- Group on the integer cell keys alone (hashable), then place each cell's point.
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.households, {cell_point} AS geom
    FROM (
        SELECT count(*) AS count, sum(c.households) AS households,
               avg(c.mx::float8) AS mx, avg(c.my::float8) AS my
        FROM c CROSS JOIN cells
        WHERE c.cx >= cells.x0 AND c.cx < cells.x0 + :cells
          AND c.cy >= cells.y0 AND c.cy < cells.y0 + :cells
        GROUP BY c.cx, c.cy
    ) g CROSS JOIN bounds
) t WHERE t.geom IS NOT NULL

-- Low zooms: incidents counted per cell, each cell one point at its members' mean
-- position, with the count and the open count.
WITH {bounds}, {cells}, p AS (
    SELECT i.mx, i.my, i.status NOT IN ('resolved', 'closed') AS open
    FROM incident i CROSS JOIN cells
    WHERE i.geom && cells.exact AND {filters}
), {cell_keys}
-- Group on the integer cell keys alone (hashable), then place each cell's point.
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.open, {cell_point} AS geom
    FROM (
        SELECT count(*) AS count, count(*) FILTER (WHERE c.open) AS open,
               avg(c.mx::float8) AS mx, avg(c.my::float8) AS my
        FROM c CROSS JOIN cells
        WHERE c.cx >= cells.x0 AND c.cx < cells.x0 + :cells
          AND c.cy >= cells.y0 AND c.cy < cells.y0 + :cells
        GROUP BY c.cx, c.cy
    ) g CROSS JOIN bounds
) t WHERE t.geom IS NOT NULL

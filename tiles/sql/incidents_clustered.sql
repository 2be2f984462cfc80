-- Low zooms: incidents counted per cell, each cell one point at its members' mean
-- position, with the count and the open count. (No per-cell "top category": it needs
-- sorted groups, which costs more than the rest of the tile.)
WITH {bounds}, {cells}, p AS (
    SELECT ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat,
           i.status NOT IN ('resolved', 'closed') AS open
    FROM incident i CROSS JOIN cells
    WHERE i.geom && cells.exact AND {filters}
), {cell_keys}
-- Group on the integer cell keys alone (hashable), then place each cell's point.
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.count, g.open,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(g.lon, g.lat), 4326), 3857),
                        bounds.tile, :extent, :buffer, true) AS geom
    FROM (
        SELECT count(*) AS count, count(*) FILTER (WHERE c.open) AS open,
               avg(c.lon) AS lon, avg(c.lat) AS lat
        FROM c CROSS JOIN cells
        WHERE c.cx >= cells.x0 AND c.cx < cells.x0 + :cells
          AND c.cy >= cells.y0 AND c.cy < cells.y0 + :cells
        GROUP BY c.cx, c.cy
    ) g CROSS JOIN bounds
) t WHERE t.geom IS NOT NULL

-- Low zooms: incidents counted per cell, each cell one point at its members' mean
-- position, with the count, the open count and the commonest category.
WITH {bounds}, {cells}, p AS (
    SELECT ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.category, i.status
    FROM incident i CROSS JOIN cells
    WHERE i.geom && cells.exact AND {filters}
), c AS (
    SELECT floor((p.lon + 180) / 360 * cells.n) AS cx,
           floor((1 - ln(tan(radians(p.lat)) + 1 / cos(radians(p.lat))) / pi()) / 2 * cells.n) AS cy,
           p.*
    FROM p CROSS JOIN cells
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT count(*) AS count,
           mode() WITHIN GROUP (ORDER BY c.category) AS top_category,
           count(*) FILTER (WHERE c.status NOT IN ('resolved', 'closed')) AS open,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(avg(c.lon), avg(c.lat)), 4326), 3857),
                        bounds.tile, :extent, :buffer, true) AS geom
    FROM c CROSS JOIN cells CROSS JOIN bounds
    WHERE c.cx >= cells.x0 AND c.cx < cells.x0 + :cells
      AND c.cy >= cells.y0 AND c.cy < cells.y0 + :cells
    GROUP BY c.cx, c.cy, bounds.tile
) t WHERE t.geom IS NOT NULL

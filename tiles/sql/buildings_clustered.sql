-- Zooms 12-13: buildings counted per cell, each cell one point at its members' mean
-- position, with their count and households.
WITH {bounds}, {cells}, p AS (
    SELECT ST_X(c) AS lon, ST_Y(c) AS lat, households
    FROM (SELECT ST_Centroid(b.geom) AS c, b.households
          FROM building b CROSS JOIN cells WHERE b.geom && cells.exact) s
), c AS (
    SELECT floor((p.lon + 180) / 360 * cells.n) AS cx,
           floor((1 - ln(tan(radians(p.lat)) + 1 / cos(radians(p.lat))) / pi()) / 2 * cells.n) AS cy,
           p.*
    FROM p CROSS JOIN cells
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT count(*) AS count, sum(c.households) AS households,
           ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint(avg(c.lon), avg(c.lat)), 4326), 3857),
                        bounds.tile, :extent, :buffer, true) AS geom
    FROM c CROSS JOIN cells CROSS JOIN bounds
    WHERE c.cx >= cells.x0 AND c.cx < cells.x0 + :cells
      AND c.cy >= cells.y0 AND c.cy < cells.y0 + :cells
    GROUP BY c.cx, c.cy, bounds.tile
) t WHERE t.geom IS NOT NULL

c AS (
    -- Each point's cell in the tile grid: Web Mercator x and y, scaled and floored.
    SELECT floor((p.lon + 180) / 360 * cells.n)::int8 AS cx,
           floor((1 - ln(tan(radians(p.lat)) + 1 / cos(radians(p.lat))) / pi()) / 2 * cells.n)::int8
               AS cy,
           p.*
    FROM p CROSS JOIN cells
)

-- Zooms 12-13: buildings counted per cell of :cells × :cells per tile, each cell one
-- point at its members' centroid with their count and households. Nothing is dropped.
WITH {bounds}, cell AS (
    SELECT ST_SnapToGrid(ST_Transform(ST_Centroid(b.geom), 3857),
                         (ST_XMax(bounds.tile) - ST_XMin(bounds.tile)) / :cells) AS key,
           ST_Centroid(b.geom) AS geom, b.households
    FROM building b CROSS JOIN bounds
    WHERE b.geom && bounds.search
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT count(*) AS count, sum(households) AS households,
           ST_AsMVTGeom(ST_Transform(ST_Centroid(ST_Collect(geom)), 3857), bounds.tile,
                        :extent, :buffer, true) AS geom
    FROM cell CROSS JOIN bounds
    GROUP BY key, bounds.tile
) t WHERE t.geom IS NOT NULL

-- Low zooms: incidents counted per cell of :cells × :cells per tile, each cell one
-- point at its members' centroid. Nothing is dropped; every incident is counted.
WITH {bounds}, cell AS (
    SELECT ST_SnapToGrid(ST_Transform(i.geom, 3857),
                         (ST_XMax(bounds.tile) - ST_XMin(bounds.tile)) / :cells) AS key,
           i.geom, i.category, i.status
    FROM incident i CROSS JOIN bounds
    WHERE i.geom && bounds.search AND {filters}
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT count(*) AS count,
           mode() WITHIN GROUP (ORDER BY category) AS top_category,
           count(*) FILTER (WHERE status NOT IN ('resolved', 'closed')) AS open,
           ST_AsMVTGeom(ST_Transform(ST_Centroid(ST_Collect(geom)), 3857), bounds.tile,
                        :extent, :buffer, true) AS geom
    FROM cell CROSS JOIN bounds
    GROUP BY key, bounds.tile
) t WHERE t.geom IS NOT NULL

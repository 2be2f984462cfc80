-- A grid's households are withheld (NULL: no property) unless the reader sees its
-- community's counts or it is their own grid (scoped_community_stats, migration 0025).
-- A plan other than the published one shows only the grids of the reader's communities:
-- plans are limited by scope (gis.accounts.scope), and ?plan= must not go round that.
WITH {bounds}, plan AS (
    SELECT id, status = 'published' AS published FROM grid_plan
    WHERE (CAST(:plan AS integer) IS NULL AND status = 'published') OR id = CAST(:plan AS integer)
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.code, g.name,
           CASE WHEN s.seen OR g.id = (SELECT wangge_scope_grid()) THEN g.households END
               AS households,
           round(g.area_m2) AS area_m2, g.plan_id,
           c.code AS community_code,
           ST_AsMVTGeom(ST_Transform(g.geom, 3857), bounds.tile, :extent, :buffer, true) AS geom
    FROM grid g CROSS JOIN bounds
    JOIN plan ON plan.id = g.plan_id
    JOIN area c ON c.id = g.community_id
    LEFT JOIN scoped_community_stats s ON s.community_id = g.community_id
    WHERE g.geom && bounds.search
      AND (plan.published OR (SELECT wangge_scope_everywhere())
           OR g.community_id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[])))
) t

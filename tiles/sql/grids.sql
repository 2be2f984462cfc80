WITH {bounds}, plan AS (
    SELECT id FROM grid_plan
    WHERE (CAST(:plan AS integer) IS NULL AND status = 'published') OR id = CAST(:plan AS integer)
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT g.code, g.name, g.households, round(g.area_m2) AS area_m2, g.plan_id,
           c.code AS community_code,
           ST_AsMVTGeom(ST_Transform(g.geom, 3857), bounds.tile, :extent, :buffer, true) AS geom
    FROM grid g CROSS JOIN bounds
    JOIN area c ON c.id = g.community_id
    WHERE g.plan_id IN (SELECT id FROM plan) AND g.geom && bounds.search
) t

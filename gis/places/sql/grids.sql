-- name: detail
-- One grid of the published plan with its live counts (each of the reader's scope).
SELECT g.id, g.code, g.name, g.households AS households_planned, round(g.area_m2) AS area_m2,
       c.code AS community_code, c.name AS community_name, p.id AS plan_id,
       ST_XMin(g.geom) AS xmin, ST_YMin(g.geom) AS ymin,
       ST_XMax(g.geom) AS xmax, ST_YMax(g.geom) AS ymax,
       -- Through building: building_grid has no row-level security, building does.
       (SELECT count(*) FROM building_grid bg JOIN building b ON b.id = bg.building_id
        WHERE bg.grid_id = g.id) AS buildings,
       (SELECT count(*) FROM building_grid bg JOIN household h ON h.building_id = bg.building_id
        WHERE bg.grid_id = g.id) AS households,
       (SELECT count(*) FROM building_grid bg JOIN household h ON h.building_id = bg.building_id
        JOIN person pe ON pe.household_id = h.id WHERE bg.grid_id = g.id) AS persons,
       (SELECT count(*) FROM building_grid bg JOIN household h ON h.building_id = bg.building_id
        JOIN person pe ON pe.household_id = h.id
        WHERE bg.grid_id = g.id AND 'floating' = ANY(pe.tags)) AS floating_persons,
       (SELECT count(*) FROM incident i WHERE i.grid_id = g.id
        AND i.status IN ('reported', 'accepted', 'dispatched', 'in_progress')) AS open_incidents,
       (SELECT count(*) FROM camera k WHERE ST_Intersects(k.geom, g.geom)) AS cameras,
       (SELECT count(*) FROM worker w WHERE w.grid_id = g.id) AS grid_workers
FROM grid g
JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
JOIN area c ON c.id = g.community_id
WHERE g.code = :code;

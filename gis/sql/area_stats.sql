-- Statistics of the areas :codes, each summed over every community under it
-- (ltree <@), in one pass per table. Counts come from the derived community links.
WITH target AS (
    SELECT id, code, path FROM area WHERE code = ANY(:codes)
), community AS (
    SELECT c.id, t.code AS target
    FROM target t JOIN area c ON c.path <@ t.path AND c.level = 'community'
), b AS (
    SELECT community_id, count(*) AS buildings FROM building
    WHERE community_id IN (SELECT id FROM community) GROUP BY community_id
), h AS (
    SELECT b.community_id, count(*) AS households,
           count(*) FILTER (WHERE h.kind = 'floating') AS floating_households
    FROM household h JOIN building b ON b.id = h.building_id
    WHERE b.community_id IN (SELECT id FROM community) GROUP BY b.community_id
), p AS (
    SELECT b.community_id, count(*) AS persons,
           count(*) FILTER (WHERE 'floating' = ANY(p.tags)) AS floating_persons
    FROM person p JOIN household h ON h.id = p.household_id JOIN building b ON b.id = h.building_id
    WHERE b.community_id IN (SELECT id FROM community) GROUP BY b.community_id
), k AS (
    SELECT community_id, count(*) AS cameras FROM camera
    WHERE community_id IN (SELECT id FROM community) GROUP BY community_id
), g AS (
    SELECT g.community_id, count(*) AS grids
    FROM grid g JOIN grid_plan pl ON pl.id = g.plan_id AND pl.status = 'published'
    WHERE g.community_id IN (SELECT id FROM community) GROUP BY g.community_id
), w AS (
    SELECT community_id, count(*) AS grid_workers FROM worker
    WHERE community_id IN (SELECT id FROM community) GROUP BY community_id
), i AS (
    SELECT community_id, count(*) AS open_incidents FROM incident
    WHERE community_id IN (SELECT id FROM community) AND status NOT IN ('resolved', 'closed')
    GROUP BY community_id
)
SELECT t.code,
       count(c.id) AS communities,
       coalesce(sum(b.buildings), 0)::bigint AS buildings,
       coalesce(sum(h.households), 0)::bigint AS households,
       coalesce(sum(h.floating_households), 0)::bigint AS floating_households,
       coalesce(sum(p.persons), 0)::bigint AS persons,
       coalesce(sum(p.floating_persons), 0)::bigint AS floating_persons,
       coalesce(sum(k.cameras), 0)::bigint AS cameras,
       coalesce(sum(i.open_incidents), 0)::bigint AS open_incidents,
       coalesce(sum(g.grids), 0)::bigint AS grids,
       coalesce(sum(w.grid_workers), 0)::bigint AS grid_workers
FROM target t
LEFT JOIN community c ON c.target = t.code
LEFT JOIN b ON b.community_id = c.id
LEFT JOIN h ON h.community_id = c.id
LEFT JOIN p ON p.community_id = c.id
LEFT JOIN k ON k.community_id = c.id
LEFT JOIN i ON i.community_id = c.id
LEFT JOIN g ON g.community_id = c.id
LEFT JOIN w ON w.community_id = c.id
GROUP BY t.code;

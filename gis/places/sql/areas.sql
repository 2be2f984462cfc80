-- name: stats
-- Statistics of the areas :codes, each summed over every community under it (ltree
-- <@). Stable counts come from the community_stats view (refreshed by every load)
-- through scoped_community_stats, which withholds (NULL) the counts of communities
-- outside the reader's scope (migration 0025); open incidents (row-level security) and
-- published grids are counted live.
WITH target AS (
    SELECT id, code, path FROM area WHERE code = ANY(:codes)
), community AS (
    -- One GiST index scan per target (OFFSET 0 keeps the planner from flattening it
    -- into a nested loop testing every community against every target): the district
    -- answer went from 11.9 to 4.1 ms, a street's from 5.8 to 2.0.
    SELECT c.id, t.code AS target
    FROM target t CROSS JOIN LATERAL (
        SELECT a.id FROM area a WHERE a.path <@ t.path AND a.level = 'community' OFFSET 0
    ) c
), g AS (
    SELECT g.community_id, count(*) AS grids
    FROM grid g JOIN grid_plan pl ON pl.id = g.plan_id AND pl.status = 'published'
    WHERE g.community_id IN (SELECT id FROM community) GROUP BY g.community_id
), i AS (
    SELECT community_id, count(*) AS open_incidents FROM incident
    WHERE community_id IN (SELECT id FROM community)
      AND status IN ('reported', 'accepted', 'dispatched', 'in_progress')
    GROUP BY community_id
)
SELECT t.code,
       count(c.id) AS communities,
       coalesce(sum(s.buildings), 0)::bigint AS buildings,
       coalesce(sum(s.households), 0)::bigint AS households,
       coalesce(sum(s.floating_households), 0)::bigint AS floating_households,
       coalesce(sum(s.persons), 0)::bigint AS persons,
       coalesce(sum(s.floating_persons), 0)::bigint AS floating_persons,
       coalesce(sum(s.cameras), 0)::bigint AS cameras,
       coalesce(sum(i.open_incidents), 0)::bigint AS open_incidents,
       coalesce(sum(g.grids), 0)::bigint AS grids,
       coalesce(sum(s.grid_workers), 0)::bigint AS grid_workers
FROM target t
LEFT JOIN community c ON c.target = t.code
LEFT JOIN scoped_community_stats s ON s.community_id = c.id
LEFT JOIN i ON i.community_id = c.id
LEFT JOIN g ON g.community_id = c.id
GROUP BY t.code;

-- name: tree
-- Ordered by path: a parent always comes before its children.
SELECT code, name, level::text AS level, kind, path::text AS path
FROM area ORDER BY path;

-- name: detail
SELECT a.id, a.code, a.name, a.level::text AS level, a.kind, a.area_m2,
       ST_XMin(a.geom) AS xmin, ST_YMin(a.geom) AS ymin,
       ST_XMax(a.geom) AS xmax, ST_YMax(a.geom) AS ymax,
       CASE WHEN :geometry THEN ST_AsGeoJSON(a.geom, 7) END AS geojson,
       (SELECT json_agg(json_build_object('code', p.code, 'name', p.name,
                                          'level', p.level) ORDER BY nlevel(p.path))
        FROM area p WHERE a.path <@ p.path AND p.id <> a.id) AS ancestors
FROM area a WHERE a.code = :code;

-- name: children
SELECT code, name, level::text AS level, kind FROM area
WHERE parent_id = :id ORDER BY code;

-- name: published_grids
-- The community's grids under the published plan, the level below it in the drill-down.
-- Their households only where the reader sees the community's (or it is their grid),
-- and their buildings counted through building, whose row-level security decides.
SELECT g.code, g.name,
       CASE WHEN s.seen OR g.id = (SELECT wangge_scope_grid()) THEN g.households END
           AS households,
       round(g.area_m2) AS area_m2,
       (SELECT count(*) FROM building_grid bg JOIN building b ON b.id = bg.building_id
        WHERE bg.grid_id = g.id) AS buildings
FROM grid g JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
LEFT JOIN scoped_community_stats s ON s.community_id = g.community_id
WHERE g.community_id = :id ORDER BY g.code;

-- name: by_code
-- One area by its code, for every module that starts from one.
SELECT id, code, name, level::text AS level, path::text AS path FROM area WHERE code = :code;

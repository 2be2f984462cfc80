-- name: list
-- The WHERE placeholder is filled from a fixed set of filters (buildings.py: _FILTERS).
SELECT b.code, b.address, b.levels, b.kind, b.households, c.code AS community_code,
       round(ST_X(ST_PointOnSurface(b.geom))::numeric, 7)::float8 AS lon,
       round(ST_Y(ST_PointOnSurface(b.geom))::numeric, 7)::float8 AS lat,
       count(*) OVER () AS total
FROM building b
LEFT JOIN area c ON c.id = b.community_id
WHERE {where}
ORDER BY b.code
LIMIT :limit OFFSET :offset;

-- name: count
-- The total when a page past the end has no rows to carry it; the same filters as list.
SELECT count(*) AS total
FROM building b
WHERE {where};

-- name: detail
-- Its grid is the one of the published plan, if any.
SELECT b.id, b.code, b.address, b.levels, b.kind, b.households AS households_declared,
       c.code AS community_code, c.name AS community_name,
       g.code AS grid_code, g.name AS grid_name,
       ST_AsGeoJSON(b.geom, 7)::json AS geometry
FROM building b
LEFT JOIN area c ON c.id = b.community_id
LEFT JOIN LATERAL (
    SELECT g.code, g.name FROM building_grid bg
    JOIN grid g ON g.id = bg.grid_id
    JOIN grid_plan p ON p.id = bg.plan_id AND p.status = 'published'
    WHERE bg.building_id = b.id LIMIT 1
) g ON true
WHERE b.code = :code;

-- name: households
SELECT h.code, h.room, h.kind::text AS kind, h.members,
       count(p.id) AS persons,
       count(p.id) FILTER (WHERE 'floating' = ANY(p.tags)) AS floating
FROM household h LEFT JOIN person p ON p.household_id = h.id
WHERE h.building_id = :id
GROUP BY h.id ORDER BY h.room, h.code;

-- name: of_household
-- The building a household is in: what a walk through the households is counted by.
SELECT b.code FROM household h JOIN building b ON b.id = h.building_id WHERE h.code = :code;

-- name: search
-- Exact codes and names first, then areas, grids, buildings; :prefix and :contains
-- arrive with LIKE's wildcards escaped.
(SELECT 'area' AS type, a.level::text AS level, a.code, a.name AS label,
        ST_X(ST_PointOnSurface(a.geom)) AS lon, ST_Y(ST_PointOnSurface(a.geom)) AS lat,
        CASE WHEN a.code = :q OR a.name = :q THEN 0 ELSE 1 END AS rank
 FROM area a
 WHERE a.code LIKE :prefix OR a.name ILIKE :contains
 ORDER BY rank, a.path LIMIT :limit)
UNION ALL
(SELECT 'grid', NULL, g.code, coalesce(g.name, g.code),
        ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)),
        CASE WHEN g.code = :q THEN 0 ELSE 2 END
 FROM grid g JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
 WHERE g.code LIKE :prefix OR g.name ILIKE :contains
 ORDER BY g.code LIMIT :limit)
UNION ALL
(SELECT 'building', b.kind, b.code, coalesce(b.address, b.code),
        ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom)),
        CASE WHEN b.code = :q THEN 0 ELSE 3 END
 FROM building b
 WHERE b.code LIKE :prefix OR b.address ILIKE :contains
 ORDER BY b.code LIMIT :limit)
ORDER BY rank, code
LIMIT :limit;

-- name: loaded
-- Whether the district :code and buildings under it are in the database.
SELECT EXISTS (
    SELECT 1 FROM building b JOIN area c ON c.id = b.community_id
    WHERE c.path <@ (SELECT path FROM area WHERE code = :code)
);

-- name: demo_plan
-- The plan the demo would publish for the district :code: nothing to do when any plan
-- of the district, a street or community in it, or above it is published (the demo
-- never replaces a planner's work); else the newest draft named :name a demo left
-- unpublished, so an interrupted demo publishes it instead of drawing another.
SELECT p.id, p.status::text AS status
FROM grid_plan p JOIN area a ON a.id = p.area_id, area d
WHERE d.code = :code
  AND ((p.status = 'published' AND (a.path <@ d.path OR d.path <@ a.path))
       OR (p.status = 'draft' AND a.id = d.id AND p.name = :name))
ORDER BY p.status = 'published' DESC, p.id DESC
LIMIT 1;

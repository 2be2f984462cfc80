-- name: loaded
-- Whether the district :code and buildings under it are in the database.
SELECT EXISTS (
    SELECT 1 FROM building b JOIN area c ON c.id = b.community_id
    WHERE c.path <@ (SELECT path FROM area WHERE code = :code)
);

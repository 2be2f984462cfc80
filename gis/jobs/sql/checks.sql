-- name: buildings_under
-- How many buildings a plan of the area would cover, counted before any work.
SELECT count(*) FROM building b JOIN area c ON c.id = b.community_id
WHERE c.path <@ CAST(:path AS ltree);

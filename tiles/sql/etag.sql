-- The newest change to :layer whose box meets the tile (0 if none): the tile's version.
WITH {bounds}
SELECT coalesce(max(c.id), 0)
FROM tile_change c CROSS JOIN bounds
WHERE c.layer = :layer AND c.bbox && bounds.search

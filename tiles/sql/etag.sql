-- The newest change to :layer whose box meets the tile (0 if none): the tile's version.
-- For the layers under row-level security, only changes whose box meets the reader's
-- communities count: else a tile over another community, empty for this reader, would
-- change its ETag whenever that community's rows change, telling them when it did.
-- Every row they see lies in one of their communities, so its changes still count.
WITH {bounds}
SELECT coalesce(max(c.id), 0)
FROM tile_change c CROSS JOIN bounds
WHERE c.layer = :layer AND c.bbox && bounds.search
  AND (CAST(:layer AS text) NOT IN ('buildings', 'incidents', 'blind_spots')
       OR (SELECT wangge_scope_everywhere())
       OR EXISTS (
           SELECT 1 FROM area a
           WHERE a.id = ANY (CAST((SELECT wangge_scope_communities()) AS integer[]))
             AND a.geom && c.bbox))

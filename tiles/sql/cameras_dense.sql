-- Does the tile hold more than :dense_above cameras? Counted from the Morton index
-- alone, and never past one more than the limit.
WITH {tile_keys}
SELECT count(*) > :dense_above FROM (
    SELECT 1 FROM camera k CROSS JOIN keys
    WHERE k.morton >= keys.lo AND k.morton < keys.hi
    LIMIT :dense_above + 1
) s

-- Does the tile hold more than :dense_above incidents (filters applied)? Counted from
-- the Morton index alone, and never past one more than the limit.
WITH {tile_keys}
SELECT count(*) > :dense_above FROM (
    SELECT 1 FROM incident i CROSS JOIN keys
    WHERE i.morton >= keys.lo AND i.morton < keys.hi AND {filters}
    LIMIT :dense_above + 1
) s

cells AS (
    -- The tile's own :cells × :cells grid in Web Mercator, computed arithmetically from
    -- lon/lat (no per-point geometry work). Cells align with tile edges, so every point
    -- falls in exactly one cell of exactly one tile: nothing is counted twice or dropped.
    SELECT CAST(:cells AS float8) * 2 ^ :z AS n,
           CAST(:x AS bigint) * :cells AS x0, CAST(:y AS bigint) * :cells AS y0,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS exact
)

cells AS (
    -- The tile's own :cells × :cells grid, as a bit shift of the stored 2^24 Mercator
    -- keys (mx, my). Cells align with tile edges, so every feature falls in exactly one
    -- cell of exactly one tile: nothing is counted twice or dropped.
    SELECT 24 - :z - CAST(round(log(2, :cells)) AS int) AS shift,
           CAST(:x AS bigint) * :cells AS x0, CAST(:y AS bigint) * :cells AS y0,
           ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326) AS exact
)

-- The tile as one range of the stored Morton keys (migration 0006), and the shift that
-- turns a key into its cell of the tile's 2^:cell_bits × 2^:cell_bits grid. Cells
-- align with tile edges, so every feature falls in exactly one cell of exactly one
-- tile: nothing is counted twice or dropped, and the index answers without the heap.
-- Integer arithmetic only: in a generic (prepared) plan it is evaluated per row.
keys AS (
    SELECT wangge_morton24(:x, :y) << (48 - 2 * :z) AS lo,
           (wangge_morton24(:x, :y) + 1) << (48 - 2 * :z) AS hi,
           48 - 2 * (:z + :cell_bits) AS shift
)

-- A footprint whose clearance exceeds twice the largest snapping move (half a pixel's
-- diagonal) cannot turn invalid when snapped to the tile's grid, and one inside the
-- buffer needs no clipping: those skip ST_AsMVTGeom's clip-and-repair pass and are
-- just moved to tile pixels and snapped (migration 0007). geom_3857 is stored
-- clockwise, so the y flip leaves MVT's anticlockwise exterior rings.
-- `px` is MATERIALIZED, or the planner would recompute it per row.
-- No `WHERE geom IS NOT NULL` outside: ST_AsMVT skips NULL geometries itself, and the
-- planner would push that filter down and render every footprint twice.
WITH {bounds}, px AS MATERIALIZED (  -- ST_AsMVTGeom's own transform, in its order
    SELECT f.fx, f.fy, -f.xmin * f.fx AS dx, -f.ymax * f.fy AS dy,
           1.5 / f.fx AS safe, ST_TileEnvelope(:z, :x, :y, margin => :margin) AS clip
    FROM (
        SELECT ST_XMin(tile) AS xmin, ST_YMax(tile) AS ymax,
               :extent / (ST_XMax(tile) - ST_XMin(tile)) AS fx,
               -(:extent / (ST_YMax(tile) - ST_YMin(tile))) AS fy
        FROM bounds
    ) f
)
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT b.code, b.address, b.levels, b.kind, b.households,
           CASE WHEN b.clearance > px.safe AND b.geom_3857 @ px.clip
                THEN ST_SnapToGrid(ST_Affine(b.geom_3857, px.fx, 0, 0, px.fy, px.dx, px.dy), 1)
                ELSE ST_AsMVTGeom(b.geom_3857, bounds.tile, :extent, :buffer, true)
           END AS geom
    FROM building b CROSS JOIN bounds CROSS JOIN px
    WHERE b.geom && bounds.search
) t

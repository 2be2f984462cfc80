-- Shared by every layer: the tile in Web Mercator, and the area to search in
-- EPSG:4326 grown by the render buffer so features just outside still clip in.
bounds AS (
    SELECT ST_TileEnvelope(:z, :x, :y) AS tile,
           ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS search
)

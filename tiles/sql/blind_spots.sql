-- Public space no online camera sees, per community (camera_coverage, row-level security
-- by the reader's scope). A community's blind spots are one large polygon with many
-- holes: it is cut to the tile's search box before the transform, so a tile pays for
-- its own piece only.
WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT c.code AS community_code, c.name AS community_name,
           round(v.public_m2) AS public_m2, round(v.covered_m2) AS covered_m2,
           ST_AsMVTGeom(ST_Transform(ST_ClipByBox2D(v.geom, bounds.search), 3857),
                        bounds.tile, :extent, :buffer, true) AS geom
    FROM camera_coverage v CROSS JOIN bounds
    JOIN area c ON c.id = v.community_id
    WHERE v.geom && bounds.search
) t

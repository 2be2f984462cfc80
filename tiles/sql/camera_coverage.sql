-- What each camera sees (gis.cameras.refresh keeps camera_view current), with the
-- camera's status: a page draws online views and greys the others.
WITH {bounds}
SELECT ST_AsMVT(t, :layer, :extent, 'geom') FROM (
    SELECT k.code, k.name, k.level::text AS level, k.status::text AS status,
           round(v.area_m2) AS area_m2,
           ST_AsMVTGeom(ST_Transform(v.geom, 3857), bounds.tile, :extent, :buffer, true) AS geom
    FROM camera_view v CROSS JOIN bounds
    JOIN camera k ON k.id = v.camera_id
    WHERE v.geom && bounds.search
) t

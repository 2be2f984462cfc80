-- name: incident
-- The incident (under the API's role: of the user's scope only).
SELECT i.code, ST_X(i.geom) AS lon, ST_Y(i.geom) AS lat, i.status::text AS status
FROM incident i
WHERE i.code = :code;

-- name: roads_version
-- Which road network this is: the database, and the newest change to its roads (the
-- tile change log; 0 for none) and how many roads it has (a database made again under
-- the same name starts its log again). The graph stands until these change.
SELECT current_database() AS db,
       coalesce((SELECT max(id) FROM tile_change WHERE layer = 'roads'), 0) AS version,
       (SELECT count(*) FROM road) AS roads;

-- name: roads
-- Every road line, as WGS 84 WKB.
SELECT ST_AsBinary(r.geom) AS wkb FROM road r ORDER BY r.id;

-- name: previous
-- The entries of the last ledger kept for the same area and places.
SELECT entries FROM hotspot_ledger
WHERE area_code = :area AND places = :places
ORDER BY id DESC LIMIT 1;

-- name: insert
INSERT INTO hotspot_ledger (area_code, places, params, entries)
VALUES (:area, :places, CAST(:params AS jsonb), CAST(:entries AS jsonb));

-- name: names
-- The community and the published grid at each place's centre (the lons and lats
-- arrays), in the order given: the names a patrol plan is written in.
SELECT c.code AS community_code, c.name AS community_name, g.code AS grid_code
FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, n)
LEFT JOIN LATERAL (
    SELECT a.code, a.name FROM area a
    WHERE a.level = 'community'
      AND ST_Intersects(a.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY a.code LIMIT 1
) c ON true
LEFT JOIN LATERAL (
    SELECT g.code FROM grid g JOIN grid_plan pl ON pl.id = g.plan_id AND pl.status = 'published'
    WHERE ST_Intersects(g.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
    ORDER BY g.code LIMIT 1
) g ON true
ORDER BY p.n;

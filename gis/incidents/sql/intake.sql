-- name: nearest_district
-- For a point in no community: the district it lies in, else the nearest one.
SELECT a.code, a.name, ST_Intersects(a.geom, p.geom) AS inside,
       ST_Distance(a.geom::geography, p.geom::geography) AS distance_m
FROM area a, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) p
WHERE a.level = 'district'
ORDER BY a.geom <-> p.geom, a.code
LIMIT 1;

-- name: earlier
-- The intake an Idempotency-Key was used for (visible with its incident).
SELECT body_hash, answer FROM incident_intake WHERE idempotency_key = :key;

-- name: insert
-- The new incident with its community, grid and building (gis.links.place_of_point) in
-- the row, as row-level security checks them; the contact encrypted and masked as
-- persons' phones are (gis/load/sql/persons.sql). A key already used inserts nothing.
INSERT INTO incident (code, category, urgency, source, reported_at, description, community_id,
                      grid_id, building_id, idempotency_key, geom, reported_by,
                      reporter_contact_enc, reporter_contact_masked, attachments)
VALUES ('INC' || to_char(now() AT TIME ZONE :zone, 'YYYYMMDD')
              || lpad(nextval('incident_code_seq')::text, 6, '0'),
        :category, CAST(:urgency AS incident_urgency), CAST(:source AS incident_source), now(),
        :description, :community_id, :grid_id, :building_id, :key,
        ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :reported_by,
        pgp_sym_encrypt(CAST(:contact AS text), :secret, 'compress-algo=0, s2k-mode=1'),
        wangge_mask(CAST(:contact AS text), 3, 2), CAST(:attachments AS text[]))
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id, code, community_id, grid_id;

-- name: duplicates
-- Open incidents of the same category within :within_m metres and :hours hours: the box
-- (:deg degrees, from the index) first, then the distance on the spheroid.
SELECT i.code,
       round(ST_Distance(i.geom::geography, p.geom::geography)::numeric, 1)::float8
           AS distance_m,
       i.reported_at, i.status::text AS status
FROM incident i, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS geom) p
WHERE i.geom && ST_Expand(p.geom, :deg)
  AND ST_DWithin(i.geom::geography, p.geom::geography, :within_m)
  AND i.category = :category
  AND i.status::text = ANY(CAST(:open AS text[]))
  AND i.reported_at >= now() - make_interval(hours => :hours)
  AND i.id <> :id
ORDER BY distance_m, i.reported_at DESC
LIMIT 20;

-- name: record
INSERT INTO incident_intake (idempotency_key, body_hash, incident_id, answer)
VALUES (:key, :body_hash, :id, CAST(:answer AS jsonb));

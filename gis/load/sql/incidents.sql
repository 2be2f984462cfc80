-- name: check_in_area
SELECT s.row, 'geometry' AS field,
       format('the incident at (%s, %s) lies outside every community loaded (is --crs right?)',
              round(ST_X(s.geom)::numeric, 6), round(ST_Y(s.geom)::numeric, 6)) AS message
FROM stage s
WHERE NOT EXISTS (SELECT 1 FROM area a WHERE a.level = 'community' AND ST_Intersects(a.geom, s.geom));

-- name: check_idempotency_key
SELECT s.row, 'idempotency_key' AS field,
       format('idempotency key %s already belongs to incident %s', s.idempotency_key, i.code)
       AS message
FROM stage s JOIN incident i ON i.idempotency_key = s.idempotency_key
WHERE i.code <> s.code;

-- name: upsert
INSERT INTO incident (code, category, source, reported_at, urgency, status, description,
                      idempotency_key, geom)
SELECT s.code, s.category, s.source::incident_source, s.reported_at,
       coalesce(s.urgency, 'normal')::incident_urgency,
       coalesce(s.status, 'reported')::incident_status, s.description, s.idempotency_key, s.geom
FROM stage s
ON CONFLICT (code) DO UPDATE
SET category = EXCLUDED.category, source = EXCLUDED.source, reported_at = EXCLUDED.reported_at,
    urgency = EXCLUDED.urgency, status = EXCLUDED.status, description = EXCLUDED.description,
    idempotency_key = EXCLUDED.idempotency_key, geom = EXCLUDED.geom;

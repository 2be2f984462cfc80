-- name: lock
-- The incident, locked until the feedback commits: a concurrent reopening waits, and a
-- second call-back finds the first.
SELECT i.id, i.status::text AS status, f.recorded_at, f.recorded_by
FROM incident i
LEFT JOIN incident_feedback f ON f.incident_id = i.id
WHERE i.code = :code
FOR UPDATE OF i;

-- name: record
INSERT INTO incident_feedback (incident_id, satisfaction, recorded_by, note)
VALUES (:id, :satisfaction, :recorded_by, :note)
ON CONFLICT (incident_id) DO NOTHING
RETURNING satisfaction, recorded_at, recorded_by, note;

-- name: read
SELECT f.satisfaction, f.recorded_at, f.recorded_by, f.note
FROM incident_feedback f
JOIN incident i ON i.id = f.incident_id
WHERE i.code = :code;

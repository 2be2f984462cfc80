-- name: lock
-- The incident, locked until the change commits: a concurrent change waits, then finds
-- the state this one left.
SELECT i.id, i.code, i.status::text AS status, i.level::text AS level, i.category,
       i.grid_id, i.assignee, i.assigned_unit,
       coalesce(i.status::text = ANY(CAST(:open AS text[])) AND i.deadline_at < now(), false)
           AS overdue,
       (SELECT c.default_unit FROM incident_category c WHERE c.code = i.category) AS unit
FROM incident i
WHERE i.code = :code
FOR UPDATE OF i;

-- name: grid_worker
-- Whom an accepted incident goes to: its grid's worker (a grid_worker before others).
SELECT code FROM worker
WHERE grid_id = :grid_id
ORDER BY role <> 'grid_worker', code
LIMIT 1;

-- name: update
UPDATE incident
SET status = CAST(:status AS incident_status), level = CAST(:level AS area_level),
    assignee = :assignee, assigned_unit = :unit,
    deadline_at = CASE WHEN :restart THEN wangge_incident_deadline(category, urgency, now())
                       ELSE deadline_at END
WHERE id = :id;

-- name: event
-- One row of the timeline; the API's role may add rows, never change them.
INSERT INTO incident_event (incident_id, from_status, to_status, actor, note, action,
                            assignee, level)
VALUES (:id, CAST(:from_status AS incident_status), CAST(:to_status AS incident_status),
        :actor, :note, :action, :assignee, CAST(:level AS area_level))
RETURNING id, action, from_status::text AS from_status, to_status::text AS to_status, actor,
          at, note, assignee;

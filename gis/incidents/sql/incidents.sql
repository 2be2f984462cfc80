-- name: summaries
-- Incidents as the answers show them (gis.incidents.queries.SUMMARY), newest first, with
-- what Open311 adds (address, attachments, the last event). The WHERE placeholder is
-- filled from a fixed set of filters (queries.py: FILTERS); :open lists the open states.
SELECT i.id, i.code, i.category, coalesce(c.name_zh, i.category) AS category_name,
       i.urgency::text AS urgency, i.status::text AS status, i.source::text AS source,
       i.level::text AS level, i.reported_at, i.deadline_at,
       coalesce(i.status::text = ANY(CAST(:open AS text[])) AND i.deadline_at < now(), false)
           AS overdue,
       round(ST_X(i.geom)::numeric, 7)::float8 AS lon,
       round(ST_Y(i.geom)::numeric, 7)::float8 AS lat,
       a.code AS community_code, a.name AS community_name, g.code AS grid_code,
       b.code AS building_code, i.assignee, i.assigned_unit, i.description,
       i.community_id, i.grid_id, b.address, i.attachments,
       e.action AS last_action, e.note AS last_note, coalesce(e.at, i.reported_at) AS updated_at
FROM incident i
LEFT JOIN incident_category c ON c.code = i.category
LEFT JOIN area a ON a.id = i.community_id
LEFT JOIN grid g ON g.id = i.grid_id
LEFT JOIN building b ON b.id = i.building_id
LEFT JOIN LATERAL (
    SELECT e.action, e.note, e.at FROM incident_event e
    WHERE e.incident_id = i.id ORDER BY e.id DESC LIMIT 1
) e ON true
WHERE {where}
ORDER BY i.reported_at DESC, i.id DESC
LIMIT :limit;

-- name: timeline
SELECT id, action, from_status::text AS from_status, to_status::text AS to_status, actor, at,
       note, assignee
FROM incident_event
WHERE incident_id = :id
ORDER BY id;

-- name: area
-- The communities under an area (itself, if it is one); none when the code is unknown.
SELECT a.code, array_remove(array_agg(c.id), NULL) AS communities
FROM area a
LEFT JOIN area c ON c.level = 'community' AND c.path <@ a.path
WHERE a.code = :code
GROUP BY a.code;

-- name: grid
SELECT g.id FROM grid g
JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
WHERE g.code = :code;

-- name: stats
-- The command page's counters over the incidents the WHERE placeholder selects (the
-- reader's scope, under row-level security): reported since midnight in :zone, open,
-- overdue, and of those reported in the last 7 days (refused ones aside), the share
-- handled (resolved, verified or closed).
SELECT count(*) FILTER (WHERE i.reported_at >= date_trunc('day', now() AT TIME ZONE :zone)
                                               AT TIME ZONE :zone) AS new_today,
       count(*) FILTER (WHERE i.status::text = ANY(CAST(:open AS text[]))) AS open,
       count(*) FILTER (WHERE i.status::text = ANY(CAST(:open AS text[]))
                        AND i.deadline_at < now()) AS overdue,
       count(*) FILTER (WHERE i.reported_at >= now() - interval '7 days'
                        AND i.status::text <> 'rejected') AS reported_week,
       count(*) FILTER (WHERE i.reported_at >= now() - interval '7 days'
                        AND i.status::text = ANY(CAST(:handled AS text[]))) AS handled_week
FROM incident i
WHERE {where};

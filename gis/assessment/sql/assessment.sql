-- name: path
-- The ltree path of an area, or of the community of a published grid, by code (a
-- reader's scope may be either); no row for an unknown code.
SELECT a.path::text FROM area a WHERE a.code = :code
UNION ALL
SELECT c.path::text FROM grid g
JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
JOIN area c ON c.id = g.community_id
WHERE g.code = :code
LIMIT 1;

-- name: cases
-- The shared first steps of `figures` and `trend` (filling their `cases` slot): the
-- communities assessed (under :area_path and :scope_path), the units of {by} there, and
-- one row per incident reported in [:start, :end) with its unit and what its timeline
-- says: first acceptance, last resolution, reopenings, the call-back satisfaction.
-- {by} is the grouping as a quoted literal from gis.assessment.figures.BY, written into
-- the text, not bound: each grouping is its own statement, whose planning drops the
-- other groupings' branches. (It runs with plan_cache_mode = force_custom_plan: a
-- generic plan, not knowing the period, ran for minutes; figures.py: _custom_plan.)
communities AS (
    SELECT c.id, c.parent_id
    FROM area c
    WHERE c.level = 'community'
      AND (CAST(:area_path AS ltree) IS NULL OR c.path <@ CAST(:area_path AS ltree))
      AND (CAST(:scope_path AS ltree) IS NULL OR c.path <@ CAST(:scope_path AS ltree))
), units AS (
    SELECT g.id, g.code, coalesce(g.name, g.code) AS name, a.code AS parent_code,
           a.name AS parent_name
    FROM grid g
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    JOIN area a ON a.id = g.community_id
    WHERE {by} = 'grid' AND g.community_id IN (SELECT id FROM communities)
    UNION ALL
    SELECT a.id, a.code, a.name, s.code, s.name
    FROM area a LEFT JOIN area s ON s.id = a.parent_id
    WHERE {by} = 'community' AND a.id IN (SELECT id FROM communities)
    UNION ALL
    SELECT a.id, a.code, a.name, d.code, d.name
    FROM area a LEFT JOIN area d ON d.id = a.parent_id
    WHERE {by} = 'street' AND a.id IN (SELECT parent_id FROM communities)
    UNION ALL
    SELECT w.id, w.code, w.name, a.code, a.name
    FROM worker w LEFT JOIN area a ON a.id = w.community_id
    WHERE {by} = 'worker' AND w.community_id IN (SELECT id FROM communities)
), reported AS (
    SELECT i.id, i.source::text AS source, i.status::text AS status, i.reported_at,
           i.deadline_at,
           CASE {by} WHEN 'grid' THEN i.grid_id WHEN 'community' THEN i.community_id
                    WHEN 'street' THEN c.parent_id WHEN 'worker' THEN w.id END AS unit_id
    FROM incident i
    JOIN communities c ON c.id = i.community_id
    LEFT JOIN worker w ON w.code = i.assignee
    WHERE i.reported_at >= :start AND i.reported_at < :end
), timelines AS (
    SELECT e.incident_id,
           min(e.at) FILTER (WHERE e.action = 'accepted') AS accepted_at,
           max(e.at) FILTER (WHERE e.action = 'resolved') AS resolved_at,
           count(*) FILTER (WHERE e.action = 'reopened') AS reopenings
    FROM incident_event e
    JOIN reported r ON r.id = e.incident_id  -- a join, not IN: hashed, not 30,000 probes
    GROUP BY e.incident_id
), cases AS (
    SELECT r.id, r.unit_id, r.source, r.reported_at,
           r.status = 'rejected' AS rejected,
           r.status = ANY(CAST(:handled AS text[])) AS handled,
           extract(epoch FROM t.accepted_at - r.reported_at) / 3600 AS accept_h,
           CASE WHEN r.status = ANY(CAST(:handled AS text[]))
                THEN extract(epoch FROM t.resolved_at - r.reported_at) / 3600 END AS resolve_h,
           r.status <> 'rejected' AND coalesce(
               (r.status = ANY(CAST(:handled AS text[])) AND t.resolved_at > r.deadline_at)
               OR (r.status = ANY(CAST(:open AS text[])) AND r.deadline_at < now()),
               false) AS overdue,
           t.resolved_at IS NOT NULL OR r.status = ANY(CAST(:handled AS text[])) AS ever_resolved,
           coalesce(t.reopenings, 0) > 0 AS reopened,
           f.satisfaction
    FROM reported r
    LEFT JOIN timelines t ON t.incident_id = r.id
    LEFT JOIN incident_feedback f ON f.incident_id = r.id
)

-- name: figures
-- Every figure of every unit, and of the whole (the empty grouping set), in one pass
-- over the cases; patrol hours of the units' workers on the days (China Standard Time)
-- the period touches, from worker_patrol_day (migration 0022 keeps it: per worker and
-- day, the gaps of at most 10 minutes between consecutive positions). docs/assessment.md
-- gives each formula.
WITH {cases}, workers AS (
    SELECT w.id,
           CASE {by} WHEN 'grid' THEN w.grid_id WHEN 'community' THEN w.community_id
                    WHEN 'street' THEN c.parent_id WHEN 'worker' THEN w.id END AS unit_id
    FROM worker w
    JOIN communities c ON c.id = w.community_id
), patrol AS (
    SELECT w.unit_id, GROUPING(w.unit_id) AS whole, count(DISTINCT w.id) AS workers,
           coalesce(sum(d.seconds), 0) / 3600 AS patrol_hours
    FROM workers w
    LEFT JOIN worker_patrol_day d
           ON d.worker_id = w.id
          AND d.day >= (CAST(:start AS timestamptz) AT TIME ZONE :zone)::date
          AND d.day <= ((CAST(:end AS timestamptz) - interval '1 microsecond')
                        AT TIME ZONE :zone)::date
    GROUP BY GROUPING SETS ((w.unit_id), ())
), sources AS (
    SELECT unit_id, whole, jsonb_object_agg(source, n) AS by_source
    FROM (SELECT unit_id, GROUPING(unit_id) AS whole, source, count(*) AS n
          FROM cases GROUP BY GROUPING SETS ((unit_id, source), (source))) s
    GROUP BY unit_id, whole
), figures AS (
    SELECT unit_id, GROUPING(unit_id) AS whole,
           count(*) AS reported,
           count(*) FILTER (WHERE rejected) AS rejected,
           count(*) FILTER (WHERE handled) AS handled,
           count(*) FILTER (WHERE overdue) AS overdue,
           count(*) FILTER (WHERE ever_resolved) AS resolved_ever,
           count(*) FILTER (WHERE reopened) AS reopened,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY accept_h) AS accept_median_h,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY accept_h) AS accept_p90_h,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_h) AS resolve_median_h,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve_h) AS resolve_p90_h,
           count(*) FILTER (WHERE unit_id IS NULL OR unit_id NOT IN (SELECT id FROM units))
               AS unplaced,
           count(satisfaction) AS feedback,
           avg(satisfaction)::float8 AS satisfaction_mean,
           count(*) FILTER (WHERE satisfaction >= 4) AS satisfied
    FROM cases
    GROUP BY GROUPING SETS ((unit_id), ())
), keyed AS (
    SELECT u.id AS unit_id, 0 AS whole, u.code, u.name, u.parent_code, u.parent_name
    FROM units u
    UNION ALL
    SELECT NULL, 1, NULL, NULL, NULL, NULL
)
SELECT k.whole = 1 AS whole, k.code, k.name, k.parent_code, k.parent_name,
       coalesce(f.reported, 0) AS reported, coalesce(s.by_source, jsonb_build_object()) AS by_source,
       coalesce(f.rejected, 0) AS rejected, coalesce(f.handled, 0) AS handled,
       coalesce(f.overdue, 0) AS overdue, coalesce(f.resolved_ever, 0) AS resolved_ever,
       coalesce(f.reopened, 0) AS reopened, coalesce(f.unplaced, 0) AS unplaced,
       f.accept_median_h, f.accept_p90_h, f.resolve_median_h, f.resolve_p90_h,
       coalesce(f.feedback, 0) AS feedback, f.satisfaction_mean,
       coalesce(f.satisfied, 0) AS satisfied,
       coalesce(p.workers, 0) AS workers, coalesce(p.patrol_hours, 0)::float8 AS patrol_hours
FROM keyed k
LEFT JOIN figures f ON f.whole = k.whole AND f.unit_id IS NOT DISTINCT FROM k.unit_id
LEFT JOIN sources s ON s.whole = k.whole AND s.unit_id IS NOT DISTINCT FROM k.unit_id
LEFT JOIN patrol p ON p.whole = k.whole AND p.unit_id IS NOT DISTINCT FROM k.unit_id
ORDER BY k.whole, k.code;

-- name: trend
-- Per unit and bucket of :step_s seconds from :start (a day or a week), by reported_at:
-- reported, rejected, handled and overdue, as in `figures`. Empty buckets are absent.
WITH {cases}
SELECT u.code, floor(extract(epoch FROM c.reported_at - :start) / :step_s)::int AS bucket,
       count(*) AS reported,
       count(*) FILTER (WHERE c.rejected) AS rejected,
       count(*) FILTER (WHERE c.handled) AS handled,
       count(*) FILTER (WHERE c.overdue) AS overdue
FROM cases c
JOIN units u ON u.id = c.unit_id
GROUP BY u.code, bucket
ORDER BY u.code, bucket;

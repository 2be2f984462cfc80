-- name: workers
-- Per worker (of the user's scope, under the area at :path) and grid: the minutes
-- between each position of the day and the next, when the next came within :gap_s
-- (a longer silence is a break, not patrol), counted to the grid of the earlier one.
WITH scoped AS (
    SELECT w.id, w.code, w.name, g.code AS home
    FROM worker w
    LEFT JOIN area c ON c.id = w.community_id
    LEFT JOIN grid g ON g.id = w.grid_id
    WHERE CAST(:path AS text) IS NULL OR c.path <@ CAST(:path AS ltree)
), steps AS (
    SELECT p.worker_id, p.grid_id, p.at,
           lead(p.at) OVER (PARTITION BY p.worker_id ORDER BY p.at) AS next_at
    FROM worker_position p
    WHERE p.worker_id IN (SELECT id FROM scoped) AND p.at >= :start AND p.at < :end
)
SELECT s.code, s.name, s.home, g.code AS grid,
       coalesce(sum(extract(epoch FROM st.next_at - st.at))
                FILTER (WHERE st.next_at - st.at <= make_interval(secs => :gap_s)), 0) / 60.0
           AS minutes,
       count(*)::int AS positions, min(st.at) AS first_at, max(st.at) AS last_at
FROM steps st
JOIN scoped s ON s.id = st.worker_id
LEFT JOIN grid g ON g.id = st.grid_id
GROUP BY s.code, s.name, s.home, g.code
ORDER BY s.code, minutes DESC, g.code;

-- name: grids
-- Per grid of the published plans under the area at :path: the patrol minutes in it
-- between :start and :end (as above), how many workers came, and when one was last
-- there. Grids nobody came to come first.
WITH grids AS (
    SELECT g.id, g.code, g.name, c.code AS community
    FROM grid g
    JOIN grid_plan p ON p.id = g.plan_id AND p.status = 'published'
    JOIN area c ON c.id = g.community_id
    WHERE CAST(:path AS text) IS NULL OR c.path <@ CAST(:path AS ltree)
), steps AS (
    SELECT p.worker_id, p.grid_id, p.at,
           lead(p.at) OVER (PARTITION BY p.worker_id ORDER BY p.at) AS next_at
    FROM worker_position p
    WHERE p.at >= :start AND p.at < :end
      AND p.worker_id IN (SELECT q.worker_id FROM worker_position q
                          WHERE q.at >= :start AND q.at < :end
                            AND q.grid_id IN (SELECT id FROM grids))
)
SELECT gr.code, gr.name, gr.community,
       coalesce(sum(extract(epoch FROM st.next_at - st.at))
                FILTER (WHERE st.next_at - st.at <= make_interval(secs => :gap_s)), 0) / 60.0
           AS minutes,
       count(DISTINCT st.worker_id)::int AS workers, max(st.at) AS last_visit_at
FROM grids gr
LEFT JOIN steps st ON st.grid_id = gr.id
GROUP BY gr.code, gr.name, gr.community
ORDER BY count(st.worker_id) > 0, minutes, gr.code
LIMIT :limit;

-- name: create
INSERT INTO job (kind, owner, params, timeout_s)
VALUES (:kind, :owner, CAST(:params AS jsonb), :timeout_s)
RETURNING id;

-- name: set_queue_id
UPDATE job SET queue_id = :queue_id WHERE id = :id;

-- name: get
SELECT id, kind, owner, status::text AS status, done, total, result, error, attempts,
       timeout_s, created_at, started_at, finished_at
FROM job WHERE id = :id;

-- name: start
-- A worker takes the job: queued (or running, when a stalled run is retried) only.
UPDATE job SET status = 'running', started_at = now(), attempts = attempts + 1,
               done = 0, total = NULL
WHERE id = :id AND status IN ('queued', 'running') AND attempts < :max
RETURNING kind, params, timeout_s, attempts;

-- name: give_up
UPDATE job SET status = 'failed', finished_at = now(),
               error = jsonb_build_object(
                   'title', 'job failed',
                   'detail', format('the job was started %s times and each run ended with its '
                                    'worker (out of memory?); narrow it and try again', attempts),
                   'error', 'InternalError')
WHERE id = :id AND status IN ('queued', 'running') AND attempts >= :max;

-- name: progress
UPDATE job SET done = :done, total = :total WHERE id = :id AND status = 'running';

-- name: finish
UPDATE job SET status = CAST(:status AS job_status), result = CAST(:result AS jsonb),
               error = CAST(:error AS jsonb), finished_at = now()
WHERE id = :id AND status IN ('queued', 'running');

-- name: cancel
-- Marks the job cancelled unless it has already finished; the queue is told separately.
UPDATE job SET status = 'cancelled', finished_at = now(),
               error = jsonb_build_object('title', 'job cancelled',
                                          'detail', 'the job was cancelled at its owner''s request')
WHERE id = :id AND status IN ('queued', 'running')
RETURNING queue_id;

-- name: requeue
-- A run that died with its worker goes back to the queue.
UPDATE job SET status = 'queued' WHERE queue_id = :queue_id AND status = 'running';

-- name: orphans
-- Jobs the queue has given up on or lost (its retries spent, its row deleted) end failed.
UPDATE job j SET status = 'failed', finished_at = now(),
                 error = jsonb_build_object(
                     'title', 'job failed',
                     'detail', 'the job could not be run: the database or its worker failed '
                               'on every attempt; try again',
                     'error', 'DatabaseUnavailable')
WHERE j.status IN ('queued', 'running') AND j.created_at < now() - interval '1 minute'
  AND NOT EXISTS (SELECT 1 FROM procrastinate.procrastinate_jobs q
                  WHERE q.id = j.queue_id AND q.status IN ('todo', 'doing'));

-- name: prune
DELETE FROM job
WHERE finished_at < now() - make_interval(secs => :keep_s);

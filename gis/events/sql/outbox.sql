-- name: lock
-- One writer at a time until commit: events then commit in the order of their ids.
SELECT pg_advisory_xact_lock(hashtext('wangge.event_outbox'));

-- name: publish
INSERT INTO event_outbox (kind, subject, community_id, grid_id, category, payload)
VALUES (:kind, :subject, :community_id, :grid_id, :category, CAST(:payload AS jsonb))
RETURNING id;

-- name: since
-- The events after :after, oldest first, at most :limit (the stream's replay). Under
-- the API's role, only those of the reader's scope.
SELECT id, at, kind, subject, community_id, grid_id, category, payload
FROM event_outbox
WHERE id > :after
ORDER BY id
LIMIT :limit;

-- name: newest
SELECT coalesce(max(id), 0) FROM event_outbox;

-- name: prune
DELETE FROM event_outbox WHERE at < now() - make_interval(secs => :keep_s);

-- name: replay
-- What a client that reconnects missed: the events after :after, oldest first, at most
-- :limit, of the given communities and categories (NULL: any), payload as stored text.
-- Under the API's role, only those of the reader's scope (the policy of 0014).
SELECT id, kind, subject, community_id, grid_id, category, payload::text AS data
FROM event_outbox
WHERE id > :after
  AND (CAST(:communities AS integer[]) IS NULL
       OR community_id = ANY (CAST(:communities AS integer[])))
  AND (CAST(:categories AS text[]) IS NULL OR category = ANY (CAST(:categories AS text[])))
ORDER BY id
LIMIT :limit;

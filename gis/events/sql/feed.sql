-- The listener's reads, run on its own psycopg connection (hence %(name)s binds). It signs
-- in as the API's role with no user named; these functions of migration 0016 read the
-- outbox as its owner, for the listener to filter per client in memory.

-- name: after
SELECT id, kind, subject, community_id, grid_id, category, payload AS data
FROM wangge_stream_after(%(after)s, %(limit)s);

-- name: newest
SELECT wangge_stream_newest();

-- name: scope
-- Where the connection's user may see events: exactly what the outbox's policy reads
-- (migration 0014), fetched once so that the stream can apply it in memory.
SELECT wangge_scope_everywhere() AS everywhere,
       wangge_scope_communities() AS communities,
       wangge_scope_grid() AS grid;

-- name: communities_under
-- The communities under an area (itself, if it is one); NULL when no area has the code.
SELECT CASE WHEN count(s.id) = 0 THEN NULL
            ELSE coalesce(array_agg(c.id) FILTER (WHERE c.id IS NOT NULL), '{}') END
FROM area s
LEFT JOIN area c ON c.level = 'community' AND c.path <@ s.path
WHERE s.code = :code;

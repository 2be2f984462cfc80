-- name: batch
-- The next entries of the chain in id order, each field as the hash takes it: the
-- detail as jsonb's own text, which the hash covers byte for byte.
SELECT id, at, actor, role, source, request_id, action, object_type, object_id, purpose,
       detail::text AS detail, prev_hash, hash
FROM audit_log
WHERE id > :after
ORDER BY id
LIMIT :n;

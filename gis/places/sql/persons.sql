-- name: unmask
-- One field of one person in full, with its audit entry, in one statement: the value
-- comes back only if the entry is written with it. Under the API's role, row-level
-- security shows only the people of the user's scope. The entry's columns are
-- gis.audit's `record`; the trigger gives it its id, time and place in the chain.
WITH found AS (
    SELECT p.code,
           pgp_sym_decrypt(
               CASE WHEN CAST(:field AS text) = 'id_number' THEN p.id_number_enc
                    ELSE p.phone_enc END,
               CAST(:key AS text)) AS value
    FROM person p
    WHERE p.code = :code
), audited AS (
    INSERT INTO audit_log (actor, role, source, request_id, action, object_type, object_id,
                           purpose, detail)
    SELECT :actor, :role, :source, :request_id, 'unmask', 'person', f.code, :purpose,
           jsonb_build_object('field', CAST(:field AS text))
    FROM found f
    RETURNING true AS written  -- no column: the API's role may insert, not read
)
SELECT f.code, f.value FROM found f CROSS JOIN audited;

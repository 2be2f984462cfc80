-- name: record
-- One entry. The trigger (migration 0012) draws its id, sets its time and links it to
-- the newest entry. No RETURNING: the API's role may insert and not read.
INSERT INTO audit_log (actor, role, source, request_id, action, object_type, object_id,
                       purpose, detail)
VALUES (:actor, :role, :source, :request_id, :action, :object_type, :object_id, :purpose,
        CAST(:detail AS jsonb));

-- name: entries
-- A filtered page for the API: refused unless wangge.user_id names an enabled admin.
SELECT * FROM wangge_audit_entries(:actor, :action, :object_type, :object_id,
                                   :since, :until, :after, :limit);

-- name: entries_as_owner
-- The same page for the table's owner (the CLI).
SELECT * FROM wangge_audit_select(:actor, :action, :object_type, :object_id,
                                  :since, :until, :after, :limit);

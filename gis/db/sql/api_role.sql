-- name: alter_login
-- The statement that lets the API's role sign in with its password (run by the owner).
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', CAST(:role AS text), CAST(:password AS text));

-- name: act_as_user
SELECT set_config('wangge.user_id', :user_id, true);

-- name: job_owner
-- Who started a job: their name as recorded, and their account id if it still exists.
SELECT j.owner, u.id FROM job j LEFT JOIN user_account u ON u.name = j.owner WHERE j.id = :job_id;

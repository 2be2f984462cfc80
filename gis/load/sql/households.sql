-- name: check_building_exists
SELECT s.row, 'building_code' AS field,
       format('building %s does not exist (load buildings first)', s.building_code) AS message
FROM stage s
WHERE NOT EXISTS (SELECT 1 FROM building b WHERE b.code = s.building_code);

-- name: upsert
INSERT INTO household (code, building_id, room, kind, members)
SELECT s.code, b.id, s.room, s.kind::household_kind, coalesce(s.members, 1)
FROM stage s JOIN building b ON b.code = s.building_code
ON CONFLICT (code) DO UPDATE
SET building_id = EXCLUDED.building_id, room = EXCLUDED.room, kind = EXCLUDED.kind,
    members = EXCLUDED.members;

-- name: refresh_community_stats
REFRESH MATERIALIZED VIEW community_stats;

-- name: area_within
-- Whether area :area lies within the area :scope (null when :area is unknown).
SELECT a.path <@ s.path
FROM area a LEFT JOIN area s ON s.code = :scope
WHERE a.code = :area;

-- name: area_exists
SELECT EXISTS (SELECT 1 FROM area WHERE code = :area);

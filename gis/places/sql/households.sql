-- name: detail
SELECT h.id, h.code, h.room, h.kind::text AS kind, h.members,
       b.code AS building_code, b.address
FROM household h JOIN building b ON b.id = h.building_id
WHERE h.code = :code;

-- name: persons
-- ID numbers and phones only as stored masked; the protected columns never leave the database.
SELECT code, name, id_number_masked AS id_number, phone_masked AS phone,
       birth_year, sex, tags
FROM person WHERE household_id = :id ORDER BY code;

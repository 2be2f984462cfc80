-- name: check_household_exists
SELECT s.row, 'household_code' AS field,
       format('household %s does not exist (load households first)', s.household_code) AS message
FROM stage s
WHERE NOT EXISTS (SELECT 1 FROM household h WHERE h.code = s.household_code);

-- name: upsert
-- ID numbers and phones are stored encrypted (pgcrypto; s2k-mode=1 because the key is
-- random, not a passphrase), with a keyed hash for exact lookup and a masked copy to serve:
-- wangge_mask keeps an ID number's first 2 and last 1 characters, a phone's first 3 and
-- last 2 (gis.idnumber.mask is the same rule; migration 0013 made the function).
INSERT INTO person (code, household_id, name, id_number_enc, id_number_hash, id_number_masked,
                    phone_enc, phone_masked, birth_year, sex, tags)
SELECT s.code, h.id, s.name,
       pgp_sym_encrypt(upper(s.id_number), :key, 'compress-algo=0, s2k-mode=1'),
       encode(hmac(upper(s.id_number), :key, 'sha256'), 'hex'),
       wangge_mask(upper(s.id_number), 2, 1),
       pgp_sym_encrypt(s.phone, :key, 'compress-algo=0, s2k-mode=1'),
       wangge_mask(s.phone, 3, 2),
       s.birth_year, s.sex, coalesce(s.tags, '{}')
FROM stage s JOIN household h ON h.code = s.household_code
ON CONFLICT (code) DO UPDATE
SET household_id = EXCLUDED.household_id, name = EXCLUDED.name,
    id_number_enc = EXCLUDED.id_number_enc, id_number_hash = EXCLUDED.id_number_hash,
    id_number_masked = EXCLUDED.id_number_masked, phone_enc = EXCLUDED.phone_enc,
    phone_masked = EXCLUDED.phone_masked, birth_year = EXCLUDED.birth_year,
    sex = EXCLUDED.sex, tags = EXCLUDED.tags;

-- name: refresh_community_stats
REFRESH MATERIALIZED VIEW community_stats;

-- name: lock
-- Writers (a load) wait until the rotation ends; readers (the API's masked reads) do not.
LOCK TABLE person IN EXCLUSIVE MODE;

-- name: key_fits
-- Whether :key decrypts the stored persons (migration 0013). It share-locks the row it
-- tries, so inside a load it waits for a rotation running meanwhile and sees its result.
SELECT wangge_key_fits(:key);

-- name: extent
SELECT count(*) AS persons, count(id_number_enc) AS id_numbers, count(phone_enc) AS phones,
       min(id) AS first, max(id) AS last
FROM person;

-- name: reencrypt
-- One batch of persons by id: each value decrypted once with the old key, encrypted and
-- hashed with the new one, as the loader does (gis/load/sql/persons.sql).
UPDATE person p
SET id_number_enc = pgp_sym_encrypt(d.id_number, :new, 'compress-algo=0, s2k-mode=1'),
    id_number_hash = encode(hmac(d.id_number, :new, 'sha256'), 'hex'),
    phone_enc = pgp_sym_encrypt(d.phone, :new, 'compress-algo=0, s2k-mode=1')
FROM (
    SELECT id, pgp_sym_decrypt(id_number_enc, :old) AS id_number,
           pgp_sym_decrypt(phone_enc, :old) AS phone
    FROM person
    WHERE id >= :lo AND id < :hi AND (id_number_enc IS NOT NULL OR phone_enc IS NOT NULL)
) d
WHERE p.id = d.id;

-- name: verify
-- Every value decrypts with the new key (a failure raises) and every lookup hash is the
-- new key's: the counts the rotation must find before it commits.
SELECT count(pgp_sym_decrypt(id_number_enc, :new)) AS id_numbers,
       count(pgp_sym_decrypt(phone_enc, :new)) AS phones,
       count(*) FILTER (WHERE id_number_enc IS NOT NULL AND id_number_hash IS DISTINCT FROM
                        encode(hmac(pgp_sym_decrypt(id_number_enc, :new), :new, 'sha256'),
                               'hex')) AS wrong_hashes
FROM person;

-- name: lock_contacts
-- Intakes wait until the rotation ends (their reporter contacts are encrypted too).
LOCK TABLE incident IN EXCLUSIVE MODE;

-- name: reencrypt_contacts
-- Incidents' reporter contacts (migration 0015), the same way, in one statement.
UPDATE incident
SET reporter_contact_enc = pgp_sym_encrypt(pgp_sym_decrypt(reporter_contact_enc, :old), :new,
                                           'compress-algo=0, s2k-mode=1')
WHERE reporter_contact_enc IS NOT NULL;

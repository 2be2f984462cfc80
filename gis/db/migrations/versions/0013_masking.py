"""Stronger masks, and a check that a key is the one protecting the stored persons.

Masks keep less: an ID number its first 2 and last 1 characters (``33***************2``),
a phone its first 3 and last 2 (``138******78``), as ``gis.idnumber.mask`` does. Every
stored mask is re-masked here from the old one, which still holds those characters
(``330402**********12``, ``138****5678``), so no key is needed and the widths stay.
``wangge_mask`` is the rule the loader masks with from now on.

``wangge_key_fits(key)`` says whether ``key`` decrypts the stored persons. It takes a
share lock on the row it tries, so a load checking its key waits for a running key
rotation (``wangge keys rotate``) and then finds the key changed, instead of writing
rows under the old one (docs/personal-data.md).

Downgrading drops the functions and leaves the stronger masks: the old ones cannot be
made again without the key (reload the persons for them).

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

MASK = """
CREATE FUNCTION wangge_mask(value text, head int, tail int) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN length(value) <= head + tail THEN repeat('*', length(value))
            ELSE left(value, head) || repeat('*', length(value) - head - tail)
                 || right(value, tail) END
"""

# pgcrypto refuses a wrong key with SQLSTATE 39000 ("Wrong key or corrupt data"); the
# MDC pgp_sym_encrypt adds by default makes that check reliable.
KEY_FITS = """
CREATE FUNCTION wangge_key_fits(key text) RETURNS boolean
LANGUAGE plpgsql VOLATILE STRICT AS $$
DECLARE
    id_number bytea;
    phone bytea;
BEGIN
    SELECT p.id_number_enc, p.phone_enc INTO id_number, phone FROM person p
    WHERE p.id_number_enc IS NOT NULL OR p.phone_enc IS NOT NULL
    ORDER BY p.id LIMIT 1 FOR SHARE;
    PERFORM pgp_sym_decrypt(id_number, key), pgp_sym_decrypt(phone, key);
    RETURN true;
EXCEPTION WHEN external_routine_invocation_exception THEN
    RETURN false;
END $$
"""


def upgrade() -> None:
    op.execute(MASK)
    op.execute(KEY_FITS)
    # Only the owner (loader, CLI) tries keys; the API's role never handles one.
    op.execute("REVOKE EXECUTE ON FUNCTION wangge_key_fits(text) FROM PUBLIC")
    op.execute(
        "UPDATE person SET id_number_masked = wangge_mask(upper(id_number_masked), 2, 1), "
        "phone_masked = wangge_mask(phone_masked, 3, 2) "
        "WHERE id_number_masked IS NOT NULL OR phone_masked IS NOT NULL"
    )
    op.execute(
        "UPDATE worker SET phone_masked = wangge_mask(phone_masked, 3, 2) "
        "WHERE phone_masked IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION wangge_key_fits(text)")
    op.execute("DROP FUNCTION wangge_mask(text, int, int)")

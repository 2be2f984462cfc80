"""Masked copies of ID numbers and phones: the rule, the database's copy of it, the loader,
migration 0013's re-masking of old masks, and that no exact birth date is served."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from gis.db import migrate
from gis.idnumber import ID_NUMBER_KEEP, PHONE_KEEP, mask, mask_id_number, mask_phone
from gis.load import load_frame
from gis.places.households import household_detail
from tests.common import TEST_KEY, small_areas, small_buildings, small_people

DECRYPTED = (
    "SELECT p.code, pgp_sym_decrypt(p.id_number_enc, :k) AS id_number, "
    "pgp_sym_decrypt(p.phone_enc, :k) AS phone, p.id_number_masked, p.phone_masked "
    "FROM person p ORDER BY p.code"
)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("330402199001010012", "33***************2"),
        ("11010519491231002x", "11***************X"),
        ("13812345678", "138******78"),
        ("1234567", "123**67"),
        ("+86 138 1234 5678", "+86************78"),
        (None, None),
    ],
    ids=["id-number", "lower-x", "mobile", "shortest-phone", "formatted-phone", "none"],
)
def test_masks_keep_two_and_one_or_three_and_two(value: str | None, masked: str | None) -> None:
    fn = mask_id_number if value and len(value) == 18 else mask_phone
    assert fn(value) == masked
    if value is not None:
        assert len(masked) == len(value)


def test_a_value_too_short_to_keep_anything_is_all_stars() -> None:
    assert mask("12345", *PHONE_KEEP) == "*****"
    assert mask("abc", *ID_NUMBER_KEEP) == "***"
    assert mask("", 3, 2) == ""


def test_the_database_masks_as_python_does(engine) -> None:
    values = ["330402199001010012", "13812345678", "1234567", "12345", "", "+86 138 1234 5678"]
    keeps = [ID_NUMBER_KEEP, PHONE_KEEP, (0, 0), (6, 6)]
    with engine.connect() as conn:
        for head, tail in keeps:
            got = conn.execute(
                text("SELECT wangge_mask(v, :h, :t) FROM unnest(CAST(:vs AS text[])) AS v"),
                {"vs": values, "h": head, "t": tail},
            ).scalars().all()  # fmt: skip
            assert got == [mask(v, head, tail) for v in values], (head, tail)
        assert conn.execute(text("SELECT wangge_mask(NULL, 2, 1)")).scalar() is None


def _populated(engine) -> None:
    households, persons = small_people(24, seed=5)
    load_frame(engine, "areas", small_areas())
    load_frame(engine, "buildings", small_buildings())
    load_frame(engine, "households", households)
    load_frame(engine, "persons", persons, key=TEST_KEY)


def _stored(engine) -> list:
    with engine.connect() as conn:
        return conn.execute(text(DECRYPTED), {"k": TEST_KEY}).mappings().all()


def test_the_loader_stores_the_strong_masks(empty_engine) -> None:
    _populated(empty_engine)
    rows = _stored(empty_engine)
    assert len(rows) == 24
    for r in rows:
        assert r["id_number_masked"] == mask_id_number(r["id_number"])
        assert r["phone_masked"] == mask_phone(r["phone"])
        assert re.fullmatch(r"\d{2}\*{15}[\dX]", r["id_number_masked"])
        assert re.fullmatch(r"1\d{2}\*{6}\d{2}", r["phone_masked"])


def test_migration_0013_remasks_the_old_masks(make_database) -> None:
    engine = create_engine(make_database("wangge_remask"))
    try:
        migrate.upgrade(engine)
        _populated(engine)
        old_masks = (
            "UPDATE person SET "
            "id_number_masked = left(pgp_sym_decrypt(id_number_enc, :k), 6) || repeat('*', 10) "
            "    || right(pgp_sym_decrypt(id_number_enc, :k), 2), "
            "phone_masked = left(pgp_sym_decrypt(phone_enc, :k), 3) || repeat('*', 4) "
            "    || right(pgp_sym_decrypt(phone_enc, :k), 4)"
        )
        with engine.begin() as conn:
            conn.execute(text(old_masks), {"k": TEST_KEY})
            conn.execute(text("INSERT INTO worker (code, name, role, phone_masked) "
                              "VALUES ('W1', '网格员', 'grid_worker', '139****4321')"))  # fmt: skip
        assert re.fullmatch(r"\d{6}\*{10}[\dX]{2}", _stored(engine)[0]["id_number_masked"])
        migrate.downgrade(engine, "0012")
        migrate.upgrade(engine)
        for r in _stored(engine):
            assert r["id_number_masked"] == mask_id_number(r["id_number"])
            assert r["phone_masked"] == mask_phone(r["phone"])
        with engine.connect() as conn:
            worker = conn.execute(text("SELECT phone_masked FROM worker")).scalar()
        assert worker == "139******21"
    finally:
        engine.dispose()


def test_no_exact_birth_date_is_served(empty_engine) -> None:
    """A member shows a birth year at most: neither a field nor the mask holds the date."""
    _populated(empty_engine)
    rows = {r["code"]: r["id_number"] for r in _stored(empty_engine)}
    with empty_engine.connect() as conn:  # rolled back, audit row and all
        codes = conn.execute(text("SELECT code FROM household ORDER BY code")).scalars().all()
        for code in codes:
            household = household_detail(conn, code, actor="test")
            for person in household["persons"]:
                assert set(person) == {"code", "name", "id_number", "phone", "birth_year",
                                       "sex", "tags"}  # fmt: skip
                birth_date = rows[person["code"]][6:14]
                assert birth_date not in str(household)
                assert str(person["birth_year"]) == birth_date[:4]

"""GB 11643 ID numbers: the check digit and validity, vectorised."""

from __future__ import annotations

import pytest

from gis.idnumber import check_digits, valid_id_numbers


@pytest.mark.parametrize(
    ("first17", "check"),
    [("11010519491231002", "X"), ("44052418800101001", "4"), ("33100419900101001", "0")],
    ids=["X", "digit", "luqiao"],
)
def test_check_digit(first17: str, check: str) -> None:
    assert check_digits([first17]).tolist() == [check]
    wrong = "0" if check != "0" else "1"
    assert valid_id_numbers([first17 + check, first17 + wrong]).tolist() == [True, False]


@pytest.mark.parametrize(
    "value",
    ["110105194902301234", "11010519491231002", "11010519491231002Y", None, "", 42],
    ids=["30-february", "17-chars", "bad-check-char", "none", "empty", "not-text"],
)
def test_malformed_numbers_are_invalid(value: object) -> None:
    assert valid_id_numbers([value]).tolist() == [False]


def test_lower_case_x_is_accepted_and_empty_input_works() -> None:
    assert valid_id_numbers(["11010519491231002x"]).tolist() == [True]
    assert valid_id_numbers([]).tolist() == []
    assert check_digits([]).tolist() == []

"""Unit tests of attrib.fields.normalise_national_id."""

from __future__ import annotations

import polars as pl
import pytest

from attrib.fields import normalise_national_id

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def with_check_digit(body: str) -> str:
    """Reference ISO 7064 MOD 11-2 implementation, independent of the library's."""
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


def _one(raw: str | None) -> dict:
    return normalise_national_id(pl.Series([raw], dtype=pl.String)).row(0, named=True)


def test_reference_example_is_valid() -> None:
    assert with_check_digit("11010519491231002") == "11010519491231002X"
    assert _one("11010519491231002X") == {
        "value": "11010519491231002X",
        "status": "valid",
        "masked": None,
        "birth_date": "1949-12-31",
        "gender": "F",
        "reason": None,
    }


@pytest.mark.parametrize(
    "raw",
    [
        "11010519491231002x",
        " 11010519491231002X ",
        "110105 19491231 002X",
        "110105-19491231-002X",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105491231002",  # first-generation 15-digit card, upgraded
    ],
)
def test_spellings_of_the_same_id(raw: str) -> None:
    assert _one(raw)["value"] == "11010519491231002X"
    assert _one(raw)["status"] == "valid"


def test_gender_and_birth_date_come_from_the_id() -> None:
    male = with_check_digit("44030619900102123")  # sequence digit 3: odd, male
    row = _one(male)
    assert (row["value"], row["birth_date"], row["gender"]) == (male, "1990-01-02", "M")


def test_fifteen_digit_ids_get_19_and_a_check_digit() -> None:
    assert _one("440306900102123")["value"] == with_check_digit("44030619900102123")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "check_digit"),
        ("11010519491231002Y", "format"),
        ("1101051949123100", "format"),
        ("abc", "format"),
        (with_check_digit("91010519491231002"), "region"),
        (with_check_digit("01010519491231002"), "region"),
        (with_check_digit("11010519490230002"), "birth_date"),  # 30 February
        (with_check_digit("11010518991231002"), "birth_date"),  # before 1900
        (with_check_digit("11010529991231002"), "birth_date"),  # in the future
        ("110105491331002", "birth_date"),  # month 13 in a 15-digit ID
    ],
)
def test_invalid_ids_say_why(raw: str, reason: str) -> None:
    row = _one(raw)
    assert (row["value"], row["status"], row["reason"]) == (None, "invalid", reason)
    assert row["birth_date"] is None and row["gender"] is None


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110105********002X", "110105********002X"),
        ("1101051949****002X", "1101051949****002X"),
        ("110105xxxxxxxx002x", "110105********002X"),
        ("110105●●●●●●●●0021", "110105********0021"),
        ("110105 ******** 002X", "110105********002X"),
        ("11010519491231***X", "11010519491231***X"),
    ],
)
def test_masked_ids(raw: str, masked: str) -> None:
    row = _one(raw)
    assert (row["value"], row["status"], row["masked"]) == (None, "masked", masked)


@pytest.mark.parametrize("raw", [None, "", "  ", "NULL", "\\N"])
def test_missing_ids(raw: str | None) -> None:
    assert _one(raw)["status"] == "missing"

"""Unit tests of attrib.fields.normalise_phone: exact canonical values per input shape."""

from __future__ import annotations

import polars as pl
import pytest

from attrib.fields import normalise_phone


def _one(raw: str | None, region: str = "CN") -> dict:
    return normalise_phone(pl.Series([raw], dtype=pl.String), region=region).row(0, named=True)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "8613812345678"),
        ("  13812345678 ", "8613812345678"),
        ("138 1234 5678", "8613812345678"),
        ("138-1234-5678", "8613812345678"),
        ("138.1234.5678", "8613812345678"),
        ("+86 138-1234-5678", "8613812345678"),
        ("+86(138)12345678", "8613812345678"),
        ("0086 13812345678", "8613812345678"),
        ("8613812345678", "8613812345678"),
        ("１３８１２３４５６７８", "8613812345678"),  # full-width digits
        ("＋８６ １３８１２３４５６７８", "8613812345678"),
        ("13812345678转123", "8613812345678"),
        ("13812345678 ext. 12", "8613812345678"),
        ("13812345678x123", "8613812345678"),
        ("19912345678", "8619912345678"),
        # Landlines: 86 + area code without the trunk 0 + local number.
        ("010-88886666", "861088886666"),
        ("(010) 8888-6666", "861088886666"),
        ("010-88886666-123", "861088886666"),
        ("(010)88886666 ext. 12", "861088886666"),
        ("+86 10 8888 6666", "861088886666"),
        ("+86 (0)10 8888 6666", "861088886666"),
        ("021-62345678", "862162345678"),
        ("0755-26888888转8001", "8675526888888"),
        ("0311-2345678", "863112345678"),
        ("861088886666", "861088886666"),
        # Foreign numbers via phonenumbers.
        ("+44 7911 123456", "447911123456"),
        ("0044 7911 123456", "447911123456"),
        ("447911123456", "447911123456"),
        ("+1 212 555 0123", "12125550123"),
    ],
)
def test_valid_numbers_get_e164_digits(raw: str, expected: str) -> None:
    assert _one(raw) == {"value": expected, "status": "valid", "masked": None}


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("138****1234", "138****1234"),
        ("138xxxx1234", "138****1234"),
        ("138XXXX1234", "138****1234"),
        ("138●●●●1234", "138****1234"),
        ("138＊＊＊＊1234", "138****1234"),
        ("+86 138-****-1234", "138****1234"),
        ("1381234****", "1381234****"),
    ],
)
def test_masked_numbers_keep_the_canonical_mask(raw: str, masked: str) -> None:
    assert _one(raw) == {"value": None, "status": "masked", "masked": masked}


@pytest.mark.parametrize(
    "raw",
    [
        "12345678901",  # 12x is no CN mobile prefix
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "02112345678",  # local numbers never start with 1
        "88886666",  # landline without area code
        "400-810-8888",  # service number
        "+86 400 810 8888",
        "+44 123",
        "phone",
        "138****12345",
    ],
)
def test_invalid_numbers(raw: str) -> None:
    assert _one(raw) == {"value": None, "status": "invalid", "masked": None}


@pytest.mark.parametrize("raw", [None, "", "   ", "NULL", "null", "N/A", "-", "无"])
def test_missing_values(raw: str | None) -> None:
    assert _one(raw) == {"value": None, "status": "missing", "masked": None}


def test_other_region_uses_phonenumbers() -> None:
    assert _one("2123 4567", region="HK") == {
        "value": "85221234567",
        "status": "valid",
        "masked": None,
    }


def test_mixed_column_keeps_row_order() -> None:
    raw = ["13812345678", "138****1234", None, "010-88886666", "bad", "+86 13912345678"]
    out = normalise_phone(pl.Series(raw))
    assert out.columns == ["value", "status", "masked"]
    assert out["value"].to_list() == [
        "8613812345678",
        None,
        None,
        "861088886666",
        None,
        "8613912345678",
    ]
    assert out["status"].to_list() == ["valid", "masked", "missing", "valid", "invalid", "valid"]
    assert out["masked"].to_list() == [None, "138****1234", None, None, None, None]


def test_foreign_numbers_are_parsed_once_per_distinct_value(monkeypatch) -> None:
    import attrib.fields.phone as phone

    calls: list[str] = []
    real = phone._e164_digits

    def spy(text: str, region: str | None) -> str | None:
        calls.append(text)
        return real(text, region)

    monkeypatch.setattr(phone, "_e164_digits", spy)
    normalise_phone(pl.Series(["+44 7911 123456"] * 1000 + ["13812345678"] * 1000))
    assert calls == ["+447911123456"]

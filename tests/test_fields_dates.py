"""Unit tests of attrib.fields.normalise_date."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from attrib.fields import normalise_date


def _one(raw: str | None) -> dict:
    return normalise_date(pl.Series([raw], dtype=pl.String)).row(0, named=True)


@pytest.mark.parametrize(
    "raw",
    [
        "1990-01-02",
        "1990-1-2",
        "1990/1/2",
        "1990/01/02",
        "1990.01.02",
        "1990.1.2",
        "19900102",
        "1990年1月2日",
        "1990年01月02日",
        "1990 年 1 月 2 日",
        "１９９０－０１－０２",
        "1990-01-02 00:00:00",
        "1990/1/2 0:00",
        "1990-01-02T13:45:00",
        "1990-01-02T13:45:00.123Z",
        "1990-01-02 13:45:00+08:00",
        "32875",  # Excel serial day number
        "32875.0",
    ],
)
def test_spellings_of_one_date(raw: str) -> None:
    assert _one(raw) == {"value": "1990-01-02", "status": "valid", "reason": None}


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("25/12/1990", "1990-12-25"),  # first number > 12: day first
        ("12/25/1990", "1990-12-25"),  # second number > 12: month first
        ("05/05/1990", "1990-05-05"),  # equal: either reading
        ("31.01.1990", "1990-01-31"),
        ("1-13-1990", "1990-01-13"),
        ("20000", "1954-10-03"),
        ("1900-01-01", "1900-01-01"),
        ("2000-02-29", "2000-02-29"),
    ],
)
def test_other_dates(raw: str, iso: str) -> None:
    assert _one(raw)["value"] == iso


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("02/01/1990", "ambiguous"),
        ("1/2/1990", "ambiguous"),
        ("1990-02-30", "impossible"),
        ("1990-13-01", "impossible"),
        ("1900-02-29", "impossible"),
        ("1899-12-31", "impossible"),
        ("2999-01-01", "impossible"),
        ("60000", "impossible"),  # Excel serial in 2064
        ("abc", "format"),
        ("13812345678", "format"),
        ("19000", "format"),  # outside the Excel serial window
        ("90-01-02", "format"),
        ("1990-01", "format"),
    ],
)
def test_invalid_dates_say_why(raw: str, reason: str) -> None:
    assert _one(raw) == {"value": None, "status": "invalid", "reason": reason}


def test_today_is_valid_and_tomorrow_is_not() -> None:
    today = dt.date.today()
    out = normalise_date(pl.Series([today.isoformat(), (today + dt.timedelta(days=1)).isoformat()]))
    assert out["status"].to_list() == ["valid", "invalid"]


@pytest.mark.parametrize("raw", [None, "", " ", "NULL", "-"])
def test_missing_dates(raw: str | None) -> None:
    assert _one(raw) == {"value": None, "status": "missing", "reason": None}


def test_repeated_values_keep_row_order() -> None:
    raw = ["1990-01-02", None, "1990/1/2", "bad", "1990-01-02", "1991-03-04"] * 3
    out = normalise_date(pl.Series(raw))
    assert (
        out["value"].to_list()
        == [
            "1990-01-02",
            None,
            "1990-01-02",
            None,
            "1990-01-02",
            "1991-03-04",
        ]
        * 3
    )
    assert out["status"].to_list() == ["valid", "missing", "valid", "invalid", "valid", "valid"] * 3

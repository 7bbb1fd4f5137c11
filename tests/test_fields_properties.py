"""Property tests: every normaliser takes any text, never raises, and is idempotent.

For each normaliser and any list of strings:

* the output has one row per input row and the documented columns;
* ``status`` is one of valid/invalid/masked/missing, and ``value`` is set exactly when
  the status is valid;
* a valid value is in canonical form (checked with an independent pattern);
* normalising the canonical value again gives the same value, valid.
"""

from __future__ import annotations

import re

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.fields import (
    STATUSES,
    detect_columns,
    normalise,
    normalise_address,
    normalise_date,
    normalise_email,
    normalise_name,
    normalise_national_id,
    normalise_phone,
    normalise_plate,
    pinyin_key,
)

SETTINGS = settings(max_examples=150, deadline=None)

# Characters that exercise the rules: digits (ASCII and full-width), separators, mask
# marks, CJK, Latin, the punctuation the normalisers fold, and a few odd code points.
_ALPHABET = st.sampled_from(
    list("0123456789０１２３４５６７８９+-.()/ \t\u3000*xX●•·・‧@_,;:'\"#")
    + list("abcdeXYZ张伟王芳歐陽京沪粤市区路号年月日转北京朝阳中国")
    + list("。、，“”【】《》—～\ue000\u00a0é")
)
any_text = st.text(_ALPHABET, max_size=24) | st.text(max_size=12)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from("0123456789"), min_size=n, max_size=n)


phone_like = st.one_of(
    st.builds(lambda p, d: p + "1" + d, st.sampled_from(["", "+86 ", "0086", "86"]), _digits(10)),
    st.builds(
        lambda a, d: a + "-" + d, st.sampled_from(["010", "021", "0755", "0311"]), _digits(8)
    ),
    st.builds(lambda d: "+" + d, _digits(11)),
    st.builds(lambda d: d[:3] + "****" + d[7:], _digits(11)),
)
id_like = st.one_of(_digits(18), _digits(17).map(lambda d: d + "X"), _digits(15))
date_like = st.builds(
    lambda y, m, d, sep: f"{y}{sep}{m}{sep}{d}",
    st.integers(1850, 2100),
    st.integers(0, 14),
    st.integers(0, 33),
    st.sampled_from(["-", "/", ".", ""]),
) | st.integers(10000, 70000).map(str)

plate_like = st.from_regex(r"京[A-Za-z][ ·-]?[A-Z0-9]{5,6}", fullmatch=True)

values = st.lists(st.none() | any_text, max_size=8)

CANONICAL = {
    "phone": re.compile(r"^[1-9]\d{7,14}$"),
    "national_id": re.compile(r"^[1-8]\d{16}[\dX]$"),
    "birth_date": re.compile(r"^(19|20)\d\d-[01]\d-[0-3]\d$"),
    # Words without ASCII digits or punctuation ("letters" would depend on the Unicode
    # version of Python's re, older than the one polars' regex engine knows).
    "name": re.compile(
        r"^[^\s\x21-\x40\x5b-\x60\x7b-\x7e]+(?: [^\s\x21-\x40\x5b-\x60\x7b-\x7e]+)*$"
    ),
    "email": re.compile(r"^[^\sA-Z@]+@[a-z0-9.-]+\.[a-z]{2,}$"),
    "address": re.compile(r"^[^\s,;:\"'、，。“”]+$"),
    "plate": re.compile(r"^[\u4e00-\u9fff][A-Z][A-Z0-9]{5,6}$"),
}


def _check(fn, kind: str, raw: list[str | None]) -> pl.DataFrame:
    out = fn(pl.Series(raw, dtype=pl.String))
    assert out.height == len(raw)
    assert out.columns[:2] == ["value", "status"]
    assert set(out["status"].to_list()) <= set(STATUSES)
    assert out["value"].is_not_null().to_list() == (out["status"] == "valid").to_list()
    canonical = [v for v in out["value"].to_list() if v is not None]
    for value in canonical:
        assert CANONICAL[kind].match(value), value
    if canonical:
        again = fn(pl.Series(canonical, dtype=pl.String))
        assert again["value"].to_list() == canonical
        assert set(again["status"].to_list()) == {"valid"}
    return out


@SETTINGS
@given(st.lists(st.none() | any_text | phone_like, max_size=8))
def test_phone_properties(raw: list[str | None]) -> None:
    out = normalise_phone(pl.Series(raw, dtype=pl.String))
    assert set(out["status"].to_list()) <= set(STATUSES)
    assert out["value"].is_not_null().to_list() == (out["status"] == "valid").to_list()
    assert out["masked"].is_not_null().to_list() == (out["status"] == "masked").to_list()
    canonical = [v for v in out["value"].to_list() if v is not None]
    for value in canonical:
        assert CANONICAL["phone"].match(value), value
    # A bare "1..." string is read as a CN mobile, so NANP (+1) numbers round-trip
    # with their "+"; everything else round-trips as is.
    again = normalise_phone(pl.Series(["+" + v for v in canonical], dtype=pl.String))
    assert again["value"].to_list() == canonical
    bare = [v for v in canonical if v.startswith("86") or not v.startswith("1")]
    assert normalise_phone(pl.Series(bare, dtype=pl.String))["value"].to_list() == bare
    for masked in out["masked"].drop_nulls().to_list():
        assert re.match(r"^1[0-9*]{10}$", masked) and "*" in masked


@SETTINGS
@given(st.lists(st.none() | any_text | id_like, max_size=8))
def test_national_id_properties(raw: list[str | None]) -> None:
    out = _check(normalise_national_id, "national_id", raw)
    valid = out.filter(pl.col("status") == "valid")
    assert valid["birth_date"].is_not_null().all() and valid["gender"].is_in(["M", "F"]).all()
    for value, born in valid.select("value", "birth_date").iter_rows():
        assert value[6:14] == born.replace("-", "")
    assert (out["reason"].is_not_null() == (out["status"] == "invalid")).all()


@SETTINGS
@given(st.lists(st.none() | any_text | date_like, max_size=8))
def test_date_properties(raw: list[str | None]) -> None:
    out = _check(normalise_date, "birth_date", raw)
    assert (out["reason"].is_not_null() == (out["status"] == "invalid")).all()


@SETTINGS
@given(values)
def test_name_properties(raw: list[str | None]) -> None:
    out = _check(normalise_name, "name", raw)
    keys = pinyin_key(pl.Series(raw, dtype=pl.String))
    assert keys.is_not_null().to_list() == (out["status"] == "valid").to_list()


@SETTINGS
@given(values)
def test_email_properties(raw: list[str | None]) -> None:
    _check(normalise_email, "email", raw)


@SETTINGS
@given(values)
def test_address_properties(raw: list[str | None]) -> None:
    _check(normalise_address, "address", raw)


@SETTINGS
@given(st.lists(st.none() | any_text | plate_like, max_size=8))
def test_plate_properties(raw: list[str | None]) -> None:
    _check(normalise_plate, "plate", raw)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.none() | any_text | phone_like | id_like | date_like, min_size=3, max_size=3),
        max_size=6,
    ),
    st.lists(st.sampled_from(["col1", "姓名", "手机", "身份证", "dob", "email", "x"]), min_size=3,
             max_size=3, unique=True),
)  # fmt: skip
def test_detect_and_normalise_any_frame(rows: list[list[str | None]], headers: list[str]) -> None:
    df = pl.DataFrame(rows, schema=dict.fromkeys(headers, pl.String), orient="row")
    columns = detect_columns(df)
    assert [c.column for c in columns] == headers
    assert all(0.0 <= c.confidence <= 1.0 for c in columns)
    kinds = [c.kind for c in columns if c.primary]
    assert len(kinds) == len(set(kinds))
    result = normalise(df, columns)
    assert result.frame.height == df.height or result.frame.width == 0
    for kind, counts in result.quality.kinds.items():
        assert sum(counts.values()) == df.height, kind


@settings(max_examples=80, deadline=None)
@given(st.lists(st.none() | any_text | phone_like | id_like | date_like, min_size=2, max_size=10))
def test_rows_are_normalised_independently(raw: list[str | None]) -> None:
    """A batch gives each row what that row gives alone (fast paths keep row order)."""
    for fn in (
        normalise_phone,
        normalise_national_id,
        normalise_date,
        normalise_name,
        normalise_email,
        normalise_address,
        normalise_plate,
    ):
        batch = fn(pl.Series(raw, dtype=pl.String))
        alone = pl.concat([fn(pl.Series([r], dtype=pl.String)) for r in raw])
        assert batch.to_dicts() == alone.to_dicts(), fn.__name__

"""The single-pass kernels give exactly what the general rules give.

Each normaliser settles the rows of a plain shape in a numba kernel and leaves the rest
(residue) to its general rules (``_general``). These tests compare the two for any
input, frame against frame (every column, dtype and null), and pin the edge cases of
each kernel: values that look canonical but are not.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.fields import (
    _fast,
    _kernels,
    address,
    dates,
    email,
    names,
    national_id,
    normalise_address,
    normalise_date,
    normalise_email,
    normalise_name,
    normalise_national_id,
    normalise_phone,
    phone,
)
from attrib.fields.phone import phone_frame

SETTINGS = settings(max_examples=200, deadline=None)

_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def check_char(body: str) -> str:
    """The ISO 7064 MOD 11-2 check character of a 17-digit body."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]


# Normaliser and its general rules, by kind.
PAIRS = {
    "phone": (normalise_phone, lambda s: phone._general_cn(s, True)),
    "national_id": (normalise_national_id, national_id._general),
    "birth_date": (normalise_date, dates._general),
    "name": (normalise_name, names._general),
    "address": (normalise_address, address._general),
    "email": (normalise_email, email._general),
}


def assert_same(kind: str, raw: list[str | None]) -> pl.DataFrame:
    """The normaliser and its general rules agree on ``raw``; return the result."""
    fast, general = PAIRS[kind]
    s = pl.Series("raw", raw, dtype=pl.String)
    got, want = fast(s), general(s)
    assert got.schema == want.schema
    if not got.equals(want):
        got_cols = got.select(pl.all().name.prefix("got_"))
        want_cols = want.select(pl.all().name.prefix("want_"))
        pytest.fail(str(pl.concat([s.to_frame(), got_cols, want_cols], how="horizontal")))
    return got


# Text near each kernel's boundary: canonical values, one character off, and the
# characters the general rules care about (NFKC, whitespace, masks, separators).
_DIGITS = "0123456789"
_NOISE = st.sampled_from(
    list(" -./()\\\t*xX#●○＊０９\u3000\u00a0\u200b年月日区县市中国北京张伟·é٣")
    + ["", "+86", "0086"]
)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(_DIGITS), min_size=n, max_size=n)


@st.composite
def _edited(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """A value with up to two characters replaced, inserted or deleted."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["replace", "insert", "delete"]))
        noise = draw(_NOISE)
        if op == "insert":
            text = text[:i] + noise + text[i:]
        elif op == "replace":
            text = text[:i] + noise + text[i + 1 :]
        else:
            text = text[:i] + text[i + 1 :]
    return text


def _id(body: str, good: bool) -> str:
    return body + (check_char(body) if good else "0")


mobiles = st.builds(lambda d: "1" + d, _digits(10))
ids = st.builds(
    lambda region, year, month, day, seq, good: _id(
        f"{region}10105{year:04d}{month:02d}{day:02d}{seq}", good
    ),
    st.sampled_from("0123456789"),
    st.integers(1890, 2100),
    st.integers(0, 13),
    st.integers(0, 32),
    _digits(3),
    st.booleans(),
)
day_texts = st.builds(
    lambda y, m, d, a, b, pad: f"{y:04d}{a}{m:0{pad}d}{b}{d:0{pad}d}",
    st.integers(1850, 2100),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from(["", "-", "/", ".", "年"]),
    st.sampled_from(["", "-", "/", ".", "月"]),
    st.sampled_from([1, 2]),
)
han_names = st.text(st.sampled_from("张伟王芳欧阳娜李未知不详無張偉丶〇\u4e00\u9fff"), max_size=22)
addresses = st.text(
    st.sampled_from("北京上海市朝阳区县路号中国杭州西湖12ab-#()/[]*,.;"), max_size=16
)
emails = st.builds(
    lambda local, domain, tld: f"{local}@{domain}.{tld}",
    st.text(st.sampled_from("abz09._-+~"), max_size=6),
    st.text(st.sampled_from("abz09.-"), max_size=6),
    st.text(st.sampled_from("abcz0"), max_size=4),
)
NEAR = {
    "phone": _edited(mobiles | st.builds(lambda p, m: p + m, _NOISE, mobiles)),
    "national_id": _edited(ids),
    "birth_date": _edited(day_texts),
    "name": _edited(han_names),
    "address": _edited(addresses),
    "email": _edited(emails),
}


@pytest.mark.parametrize("kind", list(PAIRS))
def test_kernel_agrees_with_general_rules(kind: str) -> None:
    @SETTINGS
    @given(st.lists(st.none() | NEAR[kind] | st.text(max_size=20), max_size=12))
    def check(raw: list[str | None]) -> None:
        assert_same(kind, raw)

    check()


@SETTINGS
@given(st.lists(st.none() | NEAR["phone"] | st.text(max_size=20), max_size=12))
def test_phone_kernel_agrees_for_detection(raw: list[str | None]) -> None:
    """Column detection's variant (no bare foreign numbers) takes the kernel too."""
    s = pl.Series("raw", raw, dtype=pl.String)
    assert phone_frame(s, bare_foreign=False).equals(phone._general_cn(s, False))


# Values that look canonical to a cheap test but are not, and the plain ones, with
# what they must give.
PHONE_CASES = [
    ("13812345678", "8613812345678", "valid", None),
    ("+86 138-1234-5678", "8613812345678", "valid", None),
    ("0086(138)12345678", "8613812345678", "valid", None),
    ("86 13812345678", "8613812345678", "valid", None),
    ("138xxxx5678", None, "masked", "138****5678"),
    ("1*812345678", None, "masked", "1*812345678"),
    ("12812345678", None, "invalid", None),  # no mobile prefix 12
    ("138123456789", None, "invalid", None),  # 12 digits
    ("1381234567", None, "invalid", None),  # 10 digits
    ("+86 138 1234 56789", None, "invalid", None),  # a 12-digit body
    ("+8613812345678-1", "8613812345678", "valid", None),  # an extension: general rules
    ("010-88886666", "861088886666", "valid", None),  # a landline: general rules
    ("１３８１２３４５６７８", "8613812345678", "valid", None),  # NFKC: general rules
    ("   ", None, "missing", None),
    ("()", None, "invalid", None),  # nothing left, but not blank
    ("-", None, "missing", None),
    (None, None, "missing", None),
]


@pytest.mark.parametrize(("raw", "value", "status", "masked"), PHONE_CASES)
def test_phone_edge_cases(raw: str | None, value: str | None, status: str, masked: str | None):
    got = assert_same("phone", [raw])
    assert got.row(0) == (value, status, masked)


_ID_BODY = "11010519491231002"
ID_CASES = [
    (_ID_BODY + "X", "valid", None, "1949-12-31", "F"),
    (_ID_BODY + "1", "invalid", "check_digit", None, None),
    ("910105194912310021", "invalid", "region", None, None),
    ("010105194912310021", "invalid", "region", None, None),
    (_id("11010519490230002", True), "invalid", "birth_date", None, None),  # Feb 30
    (_id("11010519000229002", True), "invalid", "birth_date", None, None),  # 1900: no leap
    (_id("11010520000229001", True), "valid", None, "2000-02-29", "M"),
    (_id("11010518991231002", True), "invalid", "birth_date", None, None),  # before 1900
    (_id("11010519000101002", True), "valid", None, "1900-01-01", "F"),
    (_id("11010529991231002", True), "invalid", "birth_date", None, None),  # future
    (_ID_BODY + "x", "valid", None, "1949-12-31", "F"),  # lower case: general rules
    (" " + _ID_BODY + "X", "valid", None, "1949-12-31", "F"),
    ("110105491231002", "valid", None, "1949-12-31", "F"),  # 15 digits
    ("1101051949123100", "invalid", "format", None, None),
    ("", "missing", None, None, None),
    (None, "missing", None, None, None),
]


@pytest.mark.parametrize(("raw", "status", "reason", "born", "gender"), ID_CASES)
def test_national_id_edge_cases(
    raw: str | None, status: str, reason: str | None, born: str | None, gender: str | None
) -> None:
    got = assert_same("national_id", [raw])
    row = got.row(0, named=True)
    assert (row["status"], row["reason"], row["birth_date"], row["gender"]) == (
        status,
        reason,
        born,
        gender,
    )
    assert (row["value"] is not None) == (status == "valid")


DATE_CASES = [
    ("19900102", "1990-01-02", "valid", None),
    ("1990-1-2", "1990-01-02", "valid", None),
    ("1990年1月2日", "1990-01-02", "valid", None),
    ("1990年01-02", "1990-01-02", "valid", None),  # separators may be mixed
    ("1990/01/02日", "1990-01-02", "valid", None),
    ("19990230", None, "invalid", "impossible"),
    ("19000229", None, "invalid", "impossible"),
    ("20000229", "2000-02-29", "valid", None),
    ("18991231", None, "invalid", "impossible"),
    ("29991231", None, "invalid", "impossible"),
    ("19901301", None, "invalid", "impossible"),
    ("1990-00-10", None, "invalid", "impossible"),
    ("1990-1-123", None, "invalid", "format"),
    ("199001021", None, "invalid", "format"),
    ("1990年1月2日 ", "1990-01-02", "valid", None),  # trimmed: general rules
    ("1990-01-02T10:20", "1990-01-02", "valid", None),
    ("02/01/1990", None, "invalid", "ambiguous"),
    ("32874", "1990-01-01", "valid", None),
    ("", None, "missing", None),
    (None, None, "missing", None),
]


@pytest.mark.parametrize(("raw", "value", "status", "reason"), DATE_CASES)
def test_date_edge_cases(raw: str | None, value: str | None, status: str, reason: str | None):
    got = assert_same("birth_date", [raw])
    assert got.row(0) == (value, status, reason)


NAME_CASES = [
    ("张伟", "张伟", "valid"),
    ("欧阳娜娜", "欧阳娜娜", "valid"),
    ("张" * 20, "张" * 20, "valid"),
    ("张" * 21, None, "invalid"),
    ("张", None, "invalid"),
    ("张 伟", "张伟", "valid"),  # a space: general rules
    ("張偉", "张伟", "valid"),  # traditional: OpenCC
    ("阿依古丽·买买提", "阿依古丽买买提", "valid"),
    ("未知", None, "missing"),
    ("不详", None, "missing"),
    ("张*", None, "masked"),
    ("Zhang Wei", "zhang wei", "valid"),
    ("", None, "missing"),
    (None, None, "missing"),
]


@pytest.mark.parametrize(("raw", "value", "status"), NAME_CASES)
def test_name_edge_cases(raw: str | None, value: str | None, status: str) -> None:
    assert assert_same("name", [raw]).row(0) == (value, status)


ADDRESS_CASES = [
    ("杭州市西湖区光路949号", "杭州市西湖区光路949号", "valid"),
    ("北京市朝阳区建国路88号", "北京市朝阳区建国路88号", "valid"),
    ("北京朝阳区建国路88号", "北京市朝阳区建国路88号", "valid"),  # municipality rule
    ("北京一二三四区", "北京市一二三四区", "valid"),
    ("北京一二三四五区", "北京一二三四五区", "valid"),  # five characters: no rule
    ("北京东路8号", "北京东路8号", "valid"),
    ("中国北京市", "北京市", "valid"),
    ("3-2-501#楼(东)", "3-2-501#楼(东)", "valid"),
    ("北京市,朝阳区", "北京市朝阳区", "valid"),
    ("1.5号楼", "1.5号楼", "valid"),
    ("12", None, "invalid"),
    ("a", None, "invalid"),
    ("NULL", None, "missing"),
    ("未知", None, "missing"),
    ("3*号", None, "masked"),
    ("", None, "missing"),
    (None, None, "missing"),
]


@pytest.mark.parametrize(("raw", "value", "status"), ADDRESS_CASES)
def test_address_edge_cases(raw: str | None, value: str | None, status: str) -> None:
    assert assert_same("address", [raw]).row(0) == (value, status)


EMAIL_CASES = [
    ("475650041@qq.com", "475650041@qq.com", "valid"),
    ("a.b@mail.example.cn", "a.b@mail.example.cn", "valid"),
    ("A.B@Example.COM", "a.b@example.com", "valid"),  # upper case: general rules
    (" a@b.cc", "a@b.cc", "valid"),
    ("a..b@x.com", None, "invalid"),
    (".a@x.com", None, "invalid"),
    ("a.@x.com", None, "invalid"),
    ("a@x", None, "invalid"),
    ("a@x.c", None, "invalid"),
    ("a@x.c1", None, "invalid"),
    ("a@-x.com", None, "invalid"),
    ("a@x-.com", None, "invalid"),
    ("a@x..com", None, "invalid"),
    ("a@b@c.com", None, "invalid"),
    ("abc***@163.com", None, "masked"),
    ("", None, "missing"),
    (None, None, "missing"),
]


@pytest.mark.parametrize(("raw", "value", "status"), EMAIL_CASES)
def test_email_edge_cases(raw: str | None, value: str | None, status: str) -> None:
    assert assert_same("email", [raw]).row(0) == (value, status)


def test_every_ideograph_as_a_name_and_an_address() -> None:
    """The kernels' CJK tables agree with the regexes on the whole block."""
    block = [chr(c) for c in range(_kernels.CJK_LOW, _kernels.CJK_HIGH + 1)]
    assert_same("name", ["张" + c for c in block] + [c + c for c in block])
    assert_same("address", [c + "1" for c in block] + ["北京" + c + "区" for c in block])


def test_every_compact_date() -> None:
    """yyyymmdd for every month and day number 00-99 of years around the limits."""
    years = (1899, 1900, 1996, 2000, 2100)
    raw = [f"{y:04d}{m:02d}{d:02d}" for y in years for m in range(100) for d in range(100)]
    assert_same("birth_date", raw)
    assert_same("national_id", [_id(f"110105{v}002", True) for v in raw])


@pytest.mark.parametrize(
    "series",
    [
        pl.Series("x", [], dtype=pl.String),
        pl.Series("x", [None, None]),  # dtype Null
        pl.Series("x", [13812345678, None]),  # not a String column
        pl.concat(
            [pl.Series(["13812345678", None]), pl.Series(["", "138-1234-5678"])], rechunk=False
        ),
        pl.Series(["x", "13812345678", "abc@d.ee", "张伟", "19900102", "y"]).slice(1, 4),
    ],
)
def test_any_series_shape(series: pl.Series) -> None:
    """Empty, null-typed, non-String, chunked and sliced inputs take the kernels too."""
    for kind, (fast, general) in PAIRS.items():
        got, want = fast(series), general(series)
        assert got.schema == want.schema and got.equals(want), kind


def test_list_input() -> None:
    assert normalise_phone(["13812345678", None])["value"].to_list() == ["8613812345678", None]


def test_string_buffers_sees_each_row() -> None:
    s = pl.concat([pl.Series(["ab", None]), pl.Series(["", "张伟"])], rechunk=False).slice(0, 4)
    offsets, data, null = _fast.string_buffers(s)
    rows = [bytes(data[offsets[i] : offsets[i + 1]]).decode() for i in range(len(s))]
    assert rows[0] == "ab" and rows[2:] == ["", "张伟"]
    assert null.tolist() == [False, True, False, False]


def test_with_residue_keeps_row_order() -> None:
    s = pl.Series(["a", "b", "c", "d"])
    codes = np.array(
        [_kernels.CODE_VALID, _kernels.RESIDUE, _kernels.CODE_MISSING, _kernels.RESIDUE],
        dtype=np.uint8,
    )
    frame = pl.DataFrame([_fast.keep_where("value", s, codes == 0), _fast.status_column(codes)])

    def general(rest: pl.Series) -> pl.DataFrame:
        return pl.DataFrame({"value": rest + "!", "status": ["invalid"] * rest.len()})

    out = _fast.with_residue(frame, codes, s, general)
    assert out.rows() == [("a", "valid"), ("b!", "invalid"), (None, "missing"), ("d!", "invalid")]


def test_fixed_width_column() -> None:
    data = np.frombuffer(b"abcdef", dtype=np.uint8)
    present = np.array([True, False, True])
    assert _fast.fixed_width_column("v", data, present, 3).to_list() == ["abc", None, "def"]
    assert _fast.fixed_width_column("v", data, np.zeros(2, bool), 3).to_list() == [None, None]


_COUNTED = ("valid", "invalid", "masked", "missing", "check_digit", "")
_VALUES = st.one_of(st.none(), st.sampled_from(_COUNTED + ("valid ", "Valid", "validvalidvalid")),
                    st.text(max_size=20))


def _shapes(raw: list[str | None]) -> list[pl.Series]:
    """The same values as one chunk, several chunks, a slice, and rebuilt by polars
    operations that rewrite views (scatter, when/then)."""
    s = pl.Series("s", raw, dtype=pl.String)
    half = len(raw) // 2
    padded = pl.Series("s", ["pad", *raw, "pad"], dtype=pl.String).slice(1, len(raw))
    chunked = pl.concat([s.slice(0, half), s.slice(half)], rechunk=False)
    scattered = pl.Series("s", ["x" * 20] * len(raw), dtype=pl.String)
    if raw:
        scattered = scattered.scatter(list(range(len(raw))), s)
    masked = pl.select(pl.when(s.is_not_null()).then(s).otherwise(pl.lit("missing"))
                       .alias("s")).to_series()
    return [s, padded, chunked, scattered, masked]


@SETTINGS
@given(st.lists(_VALUES, max_size=40))
def test_count_values_is_polars_equality(raw: list[str | None]) -> None:
    for s in _shapes(raw):
        want = [int((s == v).sum()) for v in _COUNTED]
        assert _fast.count_values(s, _COUNTED) == want


def test_count_values_refuses_long_values() -> None:
    with pytest.raises(ValueError, match="longer than 12 bytes"):
        _fast.count_values(pl.Series(["a"]), ["thirteen char"])


@SETTINGS
@given(st.lists(st.one_of(st.none(), st.text("0123456789X张 ", max_size=20)), max_size=40))
def test_leading_digits_is_the_first_two_characters(raw: list[str | None]) -> None:
    for s in _shapes(raw):
        want = [int(v[:2]) if v is not None and len(v) >= 2 and v[:2].isdigit()
                and v[:2].isascii() else -1 for v in s.to_list()]
        assert _fast.leading_digits(s).tolist() == want

"""Header detection, column naming and value casting in attrib.io."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from attrib.io.frames import rebatch, series_to_string
from attrib.io.header import column_names, decide_header, dedupe, is_label, shape_of

PHONES = [["张伟", "13812345678"], ["李娜", "13912345678"], ["王芳", "13712345670"]]
IDS = [["110105199001020034", "北京市朝阳区建国路88号"], ["310104198512120021", "上海市徐汇区"]]


@pytest.mark.parametrize(
    ("first", "below"),
    [
        (["姓名", "手机号"], PHONES),
        (["客户姓名", "联系电话"], PHONES),
        (["name", "phone"], PHONES),
        (["Customer Name", "Mobile No."], PHONES),
        (["mobile_no", "ID"], [["13812345678", "110105199001020034"]]),
        (["who", "what"], PHONES),  # unknown words, but "what" is not a phone
        (["身份证", "住址"], IDS),
        (["姓名", "手机号"], []),  # header only
        (["A", "B"], [["张伟", "北京"], ["李娜", "上海"]]),  # distinct text, no shapes
    ],
)
def test_header_detected(first, below):
    is_header, note = decide_header(first, below)
    assert is_header, note


@pytest.mark.parametrize(
    ("first", "below"),
    [
        (["张伟", "13812345678"], PHONES[1:]),
        (["13812345678"], [["13912345678"], ["13712345670"]]),
        (["110105199001020034", "北京市朝阳区建国路88号"], IDS[1:]),
        (["张伟", "13812345678"], []),  # a single data row
        (["a@example.com", "张伟"], [["b@example.com", "李娜"]]),
        (["1", "张伟"], [["2", "李娜"], ["3", "王芳"]]),
        (["张伟", "北京市朝阳区建国路88号"], [["李娜", "上海市徐汇区1号"]]),  # digits: data
        (["张伟", None], [["李娜", None]]),  # an empty cell: not a label row
        # A label word in a data row does not win against a phone in the same row.
        (["China Merchants Bank", "13812345678"], [["ICBC", "13912345678"]]),
    ],
)
def test_data_row_detected(first, below):
    is_header, note = decide_header(first, below)
    assert not is_header, note


def test_notes_never_quote_cells():
    for first, below in [(["姓名", "手机号"], PHONES), (["张伟", "13812345678"], PHONES)]:
        _, note = decide_header(first, below)
        assert not any(cell in note for cell in first)


@pytest.mark.parametrize(
    ("cell", "shape"),
    [
        ("13812345678", "phone"),
        ("+86 138-1234-5678", "phone"),
        ("138****5678", "phone"),
        ("010-12345678", "phone"),
        ("11010519491231002X", "national_id"),
        ("110105491231002", "national_id"),
        ("1990-01-02", "date"),
        ("1990年1月2日", "date"),
        ("19900102", "date"),
        ("a.b@example.com", "email"),
        ("京A12345", "plate"),
        ("３５", "number"),  # full-width digits
        ("张伟", None),
        ("", None),
        (None, None),
    ],
)
def test_shapes(cell, shape):
    assert shape_of(cell) == shape


@pytest.mark.parametrize(
    ("cell", "label"),
    [
        ("姓名", True),
        ("联系电话（手机）", True),
        ("身份证号码", True),
        ("firstName", True),
        ("E-mail", True),
        ("省", True),
        ("北京市朝阳区", False),
        ("张伟", False),
        ("Zhang Wei", False),
        ("China Merchants Bank", False),
        ("13812345678", False),
        (None, False),
    ],
)
def test_labels(cell, label):
    assert is_label(cell) is label


def test_column_names():
    assert column_names([" name ", "phone", "phone", "", None]) == [
        "name", "phone", "phone_2", "col4", "col5",
    ]  # fmt: skip
    assert dedupe(["a", "a", "a_2"]) == ["a", "a_3", "a_2"]
    assert column_names(["col2", ""]) == ["col2", "col2_2"]


def test_series_to_string():
    assert series_to_string(pl.Series([13812345678.0, 1.5, float("nan"), None])).to_list() == [
        "13812345678", "1.5", None, None,
    ]  # fmt: skip
    assert series_to_string(pl.Series([13812345678], dtype=pl.Int64)).to_list() == ["13812345678"]
    assert series_to_string(pl.Series([dt.date(1990, 1, 2)])).to_list() == ["1990-01-02"]
    stamps = pl.Series([dt.datetime(1990, 1, 2), dt.datetime(1990, 1, 2, 3, 4, 5)])
    assert series_to_string(stamps).to_list() == ["1990-01-02", "1990-01-02 03:04:05"]
    assert series_to_string(pl.Series([True, False])).to_list() == ["true", "false"]
    assert series_to_string(pl.Series([b"abc", b"\xff"])).to_list() == ["616263", "ff"]
    assert series_to_string(pl.Series([[1, 2], None])).to_list() == ["[1,2]", None]
    assert series_to_string(pl.Series([{"a": 1}])).to_list() == ['{"a":1}']


def test_rebatch_exact_sizes():
    frames = [pl.DataFrame({"a": [str(i) for i in range(n)]}) for n in (3, 0, 7, 1, 10)]
    out = list(rebatch(frames, 4))
    assert [f.height for f in out] == [4, 4, 4, 4, 4, 1]
    assert pl.concat(out).equals(pl.concat(frames))

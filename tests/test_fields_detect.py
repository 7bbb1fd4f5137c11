"""Tests of attrib.fields.detect_columns on small hand-written lists."""

from __future__ import annotations

import polars as pl
import pytest

from attrib.errors import UsageError
from attrib.fields import detect_columns, header_hint

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id(body: str) -> str:
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True)) % 11]


IDS = [_id(f"3201021985{m:02d}{2 * m + 1:02d}12{m % 10}") for m in range(1, 13)]
PHONES = [f"13{d}1234{d}{d}{d}{d}" for d in range(10)] + ["186 0000 1111", "+86 15012345678"]
MASKED_PHONES = ["138****1234", "139****0000", "150****9999", "186****1111"] * 3
NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨帆",
    "赵敏",
    "黄磊",
    "周杰",
    "吴刚",
    "徐丽",
    "孙强",
]
PINYIN = [
    "Zhang Wei", "Wang Fang", "Li Na", "Liu Yang", "Chen Jing", "Yang Fan",
    "Zhao Min", "Huang Lei", "Zhou Jie", "Wu Gang", "Xu Li", "Sun Qiang",
]  # fmt: skip
BIRTHS = [f"19{60 + i}-0{1 + i % 9}-1{i % 9}" for i in range(12)]
ADDRESSES = [f"北京市朝阳区建国路{i}号院{i}栋{i}0{i}室" for i in range(1, 13)]
EMAILS = [f"user{i}@example.com" for i in range(12)]
PLATES = [f"京A{10000 + i * 7}" for i in range(12)]
POLICY_DATES = [f"20{10 + i % 5}-0{1 + i % 9}-1{i % 9}" for i in range(12)]


def _kinds(df: pl.DataFrame, **kw) -> dict[str, str]:
    return {c.column: c.kind for c in detect_columns(df, **kw)}


def test_chinese_headers() -> None:
    df = pl.DataFrame(
        {
            "客户姓名": NAMES,
            "手机号码": PHONES,
            "身份证号": IDS,
            "出生日期": BIRTHS,
            "投保日期": POLICY_DATES,
            "联系地址": ADDRESSES,
            "电子邮箱": EMAILS,
            "车牌号": PLATES,
            "备注": ["vip", "普通会员"] * 6,
        }
    )
    assert _kinds(df) == {
        "客户姓名": "name",
        "手机号码": "phone",
        "身份证号": "national_id",
        "出生日期": "birth_date",
        "投保日期": "other",
        "联系地址": "address",
        "电子邮箱": "email",
        "车牌号": "plate",
        "备注": "other",
    }


def test_english_headers_and_pinyin_names() -> None:
    df = pl.DataFrame(
        {
            "customer_name": PINYIN,
            "mobile": PHONES,
            "id_card": IDS,
            "dob": [b.replace("-", "/") for b in BIRTHS],
            "addr": ADDRESSES,
            "e-mail": EMAILS,
            "license_plate": PLATES,
        }
    )
    detected = detect_columns(df)
    assert [c.kind for c in detected] == [
        "name", "phone", "national_id", "birth_date", "address", "email", "plate",
    ]  # fmt: skip
    assert all(c.primary and c.source == "content" for c in detected)
    assert all(c.confidence == 1.0 for c in detected)  # content and header agree


def test_meaningless_headers_are_decided_by_content() -> None:
    df = pl.DataFrame(
        {
            "col1": NAMES,
            "col2": MASKED_PHONES,
            "col3": IDS,
            "col4": [b.replace("-", "") for b in BIRTHS],  # 19600110: a date, not a phone
            "col5": ADDRESSES,
            "col6": EMAILS,
            "col7": PLATES,
            "col8": [str(i) for i in range(12)],
        }
    )
    detected = detect_columns(df)
    assert [c.kind for c in detected] == [
        "name", "phone", "national_id", "birth_date", "address", "email", "plate", "other",
    ]  # fmt: skip
    phone = detected[1]
    assert phone.detail["masked_share"] == 1.0 and phone.detail["header_hint"] is None
    assert 0.6 <= phone.confidence < 1.0  # content alone, no header to confirm


def test_ids_are_not_phones_and_phones_are_not_dates() -> None:
    detected = detect_columns(pl.DataFrame({"a": IDS, "b": PHONES}))
    assert [c.kind for c in detected] == ["national_id", "phone"]
    assert detected[0].detail["scores"]["phone"] == 0.0
    assert detected[1].detail["scores"]["birth_date"] == 0.0


def test_fabricated_ids_with_bad_check_digits_are_still_ids() -> None:
    bad = [i[:17] + ("0" if i[17] != "0" else "1") for i in IDS]
    (col,) = detect_columns(pl.DataFrame({"x": bad}))
    assert col.kind == "national_id"
    assert col.detail["valid_share"] == 0.0


def test_policy_dates_in_birth_years_need_a_birth_header() -> None:
    old_policies = [f"20{i % 10:02d}-03-0{1 + i % 9}" for i in range(12)]  # 2000-2009
    df = pl.DataFrame({"出生日期": BIRTHS, "投保日期": old_policies, "date": old_policies})
    assert _kinds(df) == {"出生日期": "birth_date", "投保日期": "other", "date": "other"}


def test_excel_serials_need_a_header() -> None:
    serials = [str(25000 + 397 * i) for i in range(12)]
    assert _kinds(pl.DataFrame({"col1": serials})) == {"col1": "other"}
    assert _kinds(pl.DataFrame({"生日": serials})) == {"生日": "birth_date"}


def test_header_alone_needs_some_content_or_an_empty_column() -> None:
    df = pl.DataFrame(
        {
            "email": [None] * 11 + ["a@b.com"],
            "手机": ["see notes"] * 12,
            "姓名": [None] * 12,
        },
        schema={"email": pl.String, "手机": pl.String, "姓名": pl.String},
    )
    detected = {c.column: c for c in detect_columns(df)}
    assert (detected["email"].kind, detected["email"].source) == ("email", "content")
    assert detected["手机"].kind == "other"
    assert (detected["姓名"].kind, detected["姓名"].source) == ("name", "header")


def test_one_primary_per_kind() -> None:
    df = pl.DataFrame({"紧急联系人电话": PHONES[:6] + [None] * 6, "手机": PHONES, "col3": PHONES})
    detected = detect_columns(df)
    assert [c.kind for c in detected] == ["phone"] * 3
    assert [c.primary for c in detected] == [False, True, False]


def test_overrides_win_and_are_checked() -> None:
    df = pl.DataFrame({"col1": PHONES, "col2": NAMES})
    detected = detect_columns(df, overrides={"col1": "other", "col2": "address"})
    assert [(c.kind, c.source, c.confidence, c.primary) for c in detected] == [
        ("other", "map", 1.0, False),
        ("address", "map", 1.0, True),
    ]
    with pytest.raises(UsageError, match=r"column 'nope' in the column mapping is not in"):
        detect_columns(df, overrides={"nope": "phone"})
    with pytest.raises(UsageError, match=r"unknown kind 'telephone' for column 'col1'"):
        detect_columns(df, overrides={"col1": "telephone"})


def test_detail_never_holds_values() -> None:
    (col,) = detect_columns(pl.DataFrame({"x": PHONES}))
    text = repr(col.to_dict())
    assert not any(p in text for p in PHONES)
    assert set(col.to_dict()) == {"column", "kind", "confidence", "source", "primary", "detail"}


def test_empty_frame() -> None:
    df = pl.DataFrame(schema={"手机号": pl.String, "col2": pl.String})
    assert _kinds(df) == {"手机号": "phone", "col2": "other"}


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("姓名", "name"),
        ("Customer_Name", "name"),
        ("寄件人电话", "phone"),
        ("收件人", "name"),
        ("hotel_name", "name"),
        ("TEL", "phone"),
        ("hotel", None),
        ("证件号码", "national_id"),
        ("ID_Card", "national_id"),
        ("出生日期", "birth_date"),
        ("DOB", "birth_date"),
        ("收件地址", "address"),
        ("E-Mail", "email"),
        ("号牌号码", "plate"),
        ("Date of Birth", "birth_date"),
        ("ID Number", "national_id"),
        ("cert_no", "national_id"),
        ("msisdn", "phone"),
        ("xm", "name"),  # pinyin initials: 姓名
        ("sjh", "phone"),  # 手机号
        ("sfzh", "national_id"),  # 身份证号
        ("dz", "address"),  # 地址
        ("col3", None),
        ("投保日期", None),
    ],
)
def test_header_hints(header: str, kind: str | None) -> None:
    assert header_hint(header) == kind


def test_recent_birth_dates_are_taken_on_the_header() -> None:
    children = [f"2019-0{1 + i % 9}-1{i % 9}" for i in range(12)]
    (col,) = detect_columns(pl.DataFrame({"出生日期": children}))
    assert (col.kind, col.source, col.confidence) == ("birth_date", "header", 0.8)
    (col,) = detect_columns(pl.DataFrame({"col1": children}))
    assert col.kind == "other"

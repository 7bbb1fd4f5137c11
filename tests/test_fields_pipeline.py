"""Tests of attrib.fields.normalise: the output frame contract and the quality counts."""

from __future__ import annotations

import polars as pl
import pytest

from attrib.errors import UsageError
from attrib.fields import ColumnKind, Normalised, Quality, detect_columns, normalise


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "姓名": ["张伟", "張偉", "王芳", "李*", None, "张伟"],
            "手机": ["13812345678", "+86 138 1234 5678", "139****5678", "12345", "", "13812345678"],
            "身份证": [
                "11010519491231002X",
                "110105491231002",
                "110105********002X",
                "110105194912310021",  # bad check digit
                None,
                "11010519491231002X",
            ],
            "生日": [
                "1949-12-31",
                "1949年12月31日",
                "1990-02-30",
                "1950-01-01",
                None,
                "1949/12/31",
            ],
            "备注": ["a", "b", "c", "d", "e", "a"],
        }
    )


def test_output_frame_contract() -> None:
    df = _frame()
    result = normalise(df, detect_columns(df))
    assert isinstance(result, Normalised)
    assert result.frame.columns == [
        "name",
        "name_status",
        "phone",
        "phone_status",
        "phone_masked",
        "national_id",
        "national_id_status",
        "national_id_masked",
        "birth_date",
        "birth_date_status",
        "attr:备注",
    ]
    assert all(dtype == pl.String for dtype in result.frame.dtypes)
    assert result.frame.to_dicts()[2] == {
        "name": "王芳",
        "name_status": "valid",
        "phone": None,
        "phone_status": "masked",
        "phone_masked": "139****5678",
        "national_id": None,
        "national_id_status": "masked",
        "national_id_masked": "110105********002X",
        "birth_date": None,
        "birth_date_status": "invalid",
        "attr:备注": "c",
    }
    assert result.frame["phone"].to_list() == [
        "8613812345678",
        "8613812345678",
        None,
        None,
        None,
        "8613812345678",
    ]
    assert result.frame["attr:备注"].to_list() == df["备注"].to_list()


def test_quality_counts_and_signals() -> None:
    df = _frame()
    quality = normalise(df, detect_columns(df)).quality
    assert isinstance(quality, Quality)
    assert quality.rows == 6
    assert quality.duplicate_rows == 1  # the last row repeats the first
    assert quality.kinds["phone"] == {"valid": 3, "invalid": 1, "masked": 1, "missing": 1}
    assert quality.kinds["national_id"] == {"valid": 3, "invalid": 1, "masked": 1, "missing": 1}
    assert quality.kinds["name"] == {"valid": 4, "invalid": 0, "masked": 1, "missing": 1}
    assert quality.kinds["birth_date"] == {"valid": 4, "invalid": 1, "masked": 0, "missing": 1}
    assert quality.signals == {
        "bad_check_digits": 1,
        "id_impossible_birth_dates": 0,
        "id_bad_regions": 0,
        "unknown_id_regions": 0,
        "impossible_dates": 1,
        "ambiguous_dates": 0,
        "id_birth_date_mismatches": 0,
    }
    assert quality.to_dict()["kinds"]["phone"]["masked"] == 1
    assert quality.to_dict()["signals"]["bad_check_digits"] == 1


def test_birth_date_mismatch_with_the_id_is_counted() -> None:
    df = pl.DataFrame({"id": ["11010519491231002X"], "dob": ["1950-01-01"]})
    quality = normalise(df, detect_columns(df)).quality
    assert quality.signals["id_birth_date_mismatches"] == 1


def test_no_birth_date_column_is_invented() -> None:
    df = pl.DataFrame({"id": ["11010519491231002X"]})
    assert normalise(df, detect_columns(df)).frame.columns == [
        "national_id",
        "national_id_status",
        "national_id_masked",
    ]


def test_only_primary_columns_are_normalised() -> None:
    df = pl.DataFrame({"a": ["13812345678"], "b": ["13912345678"]})
    columns = [
        ColumnKind("a", "phone", 0.9, "content", primary=False),
        ColumnKind("b", "phone", 1.0, "content", primary=True),
    ]
    assert normalise(df, columns).frame.to_dicts() == [
        {"phone": "8613912345678", "phone_status": "valid", "phone_masked": None}
    ]


def test_unknown_column_or_kind_is_a_usage_error() -> None:
    df = pl.DataFrame({"a": ["x"]})
    with pytest.raises(UsageError, match="column 'b' is not in the table"):
        normalise(df, [ColumnKind("b", "phone", 1.0, "map", primary=True)])
    with pytest.raises(UsageError, match="unknown kind 'fax'"):
        normalise(df, [ColumnKind("a", "fax", 1.0, "map", primary=True)])


def test_empty_inputs() -> None:
    df = pl.DataFrame(schema={"手机": pl.String})
    result = normalise(df, detect_columns(df))
    assert result.frame.height == 0
    assert result.quality.rows == 0 and result.quality.duplicate_rows == 0
    assert normalise(pl.DataFrame(), []).quality.to_dict() == {
        "rows": 0,
        "duplicate_rows": 0,
        "kinds": {},
        "signals": {},
    }

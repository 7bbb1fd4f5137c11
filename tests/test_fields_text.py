"""Unit tests of the e-mail, address and plate normalisers."""

from __future__ import annotations

import polars as pl
import pytest

from attrib.fields import normalise_address, normalise_email, normalise_plate


def _one(fn, raw: str | None) -> dict:
    return fn(pl.Series([raw], dtype=pl.String)).row(0, named=True)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("a.b@example.com", "a.b@example.com"),
        ("  A.B@Example.COM ", "a.b@example.com"),
        ("ａｂｃ＠ｑｑ．ｃｏｍ", "abc@qq.com"),
        ("first+tag@mail.example.co.uk", "first+tag@mail.example.co.uk"),
        ("x_y-z@163.com", "x_y-z@163.com"),
    ],
)
def test_valid_emails(raw: str, value: str) -> None:
    assert _one(normalise_email, raw) == {"value": value, "status": "valid"}


@pytest.mark.parametrize(
    "raw", ["a b@x.com", "a@b", "@qq.com", "abc@", "a..b@qq.com", "x@163.com.", "a@-x.com", "张三"]
)
def test_invalid_emails(raw: str) -> None:
    assert _one(normalise_email, raw) == {"value": None, "status": "invalid"}


def test_masked_and_missing_emails() -> None:
    assert _one(normalise_email, "abc***@163.com") == {"value": None, "status": "masked"}
    assert _one(normalise_email, None) == {"value": None, "status": "missing"}
    assert _one(normalise_email, "NULL") == {"value": None, "status": "missing"}


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("北京市朝阳区建国路88号", "北京市朝阳区建国路88号"),
        ("北京 朝阳区 建国路 88号", "北京市朝阳区建国路88号"),
        ("中国北京朝阳区建国路８８号", "北京市朝阳区建国路88号"),
        ("北京市，朝阳区、建国路88号。", "北京市朝阳区建国路88号"),
        ("上海浦东新区世纪大道100号", "上海市浦东新区世纪大道100号"),
        ("天津和平区南京路1号", "天津市和平区南京路1号"),
        ("重庆渝中区解放碑", "重庆市渝中区解放碑"),
        ("北京东城区东单1号", "北京市东城区东单1号"),
        ("北京东路8号", "北京东路8号"),  # a street named after Beijing, not the city
        ("广东省深圳市南山区科技园（南区）", "广东省深圳市南山区科技园(南区)"),
        ("3栋2单元—501室", "3栋2单元-501室"),
        ("5#楼1.5层", "5#楼1.5层"),
        ("No. 88 Jianguo Road", "No88JianguoRoad"),
    ],
)
def test_canonical_addresses(raw: str, value: str) -> None:
    assert _one(normalise_address, raw) == {"value": value, "status": "valid"}


def test_address_statuses() -> None:
    out = normalise_address(pl.Series(["北京市朝阳区****", "12", "。", None, "NULL"]))
    assert out["status"].to_list() == ["masked", "invalid", "missing", "missing", "missing"]
    assert out["value"].to_list() == [None] * 5


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("京A12345", "京A12345"),
        ("京a12345", "京A12345"),
        ("京A·12345", "京A12345"),
        ("京A 12345", "京A12345"),
        ("京A-12345", "京A12345"),
        ("京A.12345", "京A12345"),
        ("粤B·D12345", "粤BD12345"),  # new-energy plate: 6 characters
        ("沪ＡＢ１２３４", "沪AB1234"),
    ],
)
def test_valid_plates(raw: str, value: str) -> None:
    assert _one(normalise_plate, raw) == {"value": value, "status": "valid"}


@pytest.mark.parametrize(
    "raw", ["A12345", "京12345", "京A1234", "京A1234567", "港A12345", "京A1234学"]
)
def test_invalid_plates(raw: str) -> None:
    assert _one(normalise_plate, raw) == {"value": None, "status": "invalid"}


def test_masked_and_missing_plates() -> None:
    assert _one(normalise_plate, "京A***45") == {"value": None, "status": "masked"}
    assert _one(normalise_plate, "京A●●●45") == {"value": None, "status": "masked"}
    assert _one(normalise_plate, "") == {"value": None, "status": "missing"}

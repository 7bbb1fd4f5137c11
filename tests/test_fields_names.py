"""Unit tests of attrib.fields.normalise_name and pinyin_key."""

from __future__ import annotations

import polars as pl
import pytest

from attrib.fields import normalise_name, pinyin_key
from attrib.fields.surnames import SURNAMES


def _one(raw: str | None) -> dict:
    return normalise_name(pl.Series([raw], dtype=pl.String)).row(0, named=True)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("张伟", "张伟"),
        (" 张 伟 ", "张伟"),
        ("张\u3000伟", "张伟"),  # ideographic space
        ("張偉", "张伟"),  # traditional → simplified
        ("歐陽娜娜", "欧阳娜娜"),
        ("阿依古丽·买买提", "阿依古丽买买提"),
        ("阿依古丽•买买提", "阿依古丽买买提"),
        ("阿依古丽・买买提", "阿依古丽买买提"),
        ("阿依古丽‧买买提", "阿依古丽买买提"),
        ("阿依古丽 . 买买提", "阿依古丽买买提"),
        ("Zhang Wei", "zhang wei"),
        ("ZHANG  WEI", "zhang wei"),
        ("  zhang\twei ", "zhang wei"),
        ("Zhang-Wei", "zhang wei"),
        ("Zhang, Wei", "zhang wei"),
        ("O'Brien", "obrien"),
        ("ＺＨＡＮＧ　ＷＥＩ", "zhang wei"),
        ("Müller", "müller"),
    ],
)
def test_canonical_names(raw: str, value: str) -> None:
    assert _one(raw) == {"value": value, "status": "valid"}


@pytest.mark.parametrize("raw", ["张*", "张**", "李●●", "王○", "Zhang W***"])
def test_masked_names(raw: str) -> None:
    assert _one(raw) == {"value": None, "status": "masked"}


@pytest.mark.parametrize("raw", ["张", "张3", "123", "!!!", "a1", "张伟" * 11])
def test_invalid_names(raw: str) -> None:
    assert _one(raw) == {"value": None, "status": "invalid"}


@pytest.mark.parametrize("raw", [None, "", "  ", "NULL", "未知"])
def test_missing_names(raw: str | None) -> None:
    assert _one(raw) == {"value": None, "status": "missing"}


def test_traditional_conversion_runs_once_per_distinct_value(monkeypatch) -> None:
    import attrib.fields.names as names

    real = names._opencc()
    calls: list[str] = []

    class Spy:
        def convert(self, text: str) -> str:
            calls.append(text)
            return real.convert(text)

    monkeypatch.setattr(names, "_opencc", lambda: Spy())
    out = normalise_name(pl.Series(["張偉"] * 500 + ["张伟"] * 500 + ["Zhang Wei"] * 500))
    assert out["value"].unique().sort().to_list() == ["zhang wei", "张伟"]
    assert calls == ["張偉"]


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("张伟", "zhangwei"),
        ("張偉", "zhangwei"),
        ("Zhang Wei", "zhangwei"),
        ("ZHANG-WEI", "zhangwei"),
        ("zhangwei", "zhangwei"),
        ("吕布", "lvbu"),
        ("Lü Bu", "lvbu"),
        ("单雄信", "shanxiongxin"),  # surname reading, not 单 = dan
        ("曾国藩", "zengguofan"),
        ("欧阳娜娜", "ouyangnana"),
        ("阿依古丽·买买提", "ayigulimaimaiti"),
    ],
)
def test_pinyin_key(raw: str, key: str) -> None:
    assert pinyin_key(pl.Series([raw])).to_list() == [key]


def test_pinyin_key_is_null_for_unusable_names() -> None:
    assert pinyin_key(pl.Series(["张*", None, "123"])).to_list() == [None, None, None]


def test_surname_list_is_large_and_simplified() -> None:
    assert len(SURNAMES) >= 300
    assert {"王", "李", "张", "刘", "陈", "欧"} <= SURNAMES
    assert "張" not in SURNAMES

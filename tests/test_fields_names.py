"""Unit tests of attrib.fields.normalise_name and pinyin_key."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.fields import normalise_name, pinyin_key
from attrib.fields.names import _risky_phrases, romanise, romanise_all
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


# ---------------------------------------------------------------------------
# Vectorised romanisation (romanise_all): the same values as romanise, per name.


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("单田芳", "shantianfang"),  # 单 as a surname: shan
        ("李单", "lidan"),  # 单 elsewhere: dan
        ("曾志伟", "zengzhiwei"),  # 曾 as a surname: zeng
        ("李曾", "liceng"),  # 曾 elsewhere: ceng
        ("曾曾", "zengceng"),
        ("單雄信", "shanxiongxin"),  # traditional 單 → 单, then the surname reading
        ("曾國藩", "zengguofan"),
        ("尉迟恭", "yuchigong"),  # two-character surname reading
        ("单于", "chanyu"),  # the whole name is a two-character surname
        ("王长城", "wangchangcheng"),  # a phrase read as a word: 长 chang, not zhang
        ("张长", "zhangzhang"),  # 长 alone: zhang
        ("王〇", "wangling"),
        ("王𠀋", "wang"),  # a rare character pypinyin cannot read adds nothing
        ("Zhang Wei", "zhangwei"),
        ("Lü Bu", "lvbu"),
        ("张Wei", None),  # mixed scripts are not a valid name
    ],
)
def test_pinyin_key_pinned(raw: str, key: str | None) -> None:
    assert pinyin_key(pl.Series([raw])).to_list() == [key]
    if key is not None and raw[0] not in "ZL":
        value = normalise_name(pl.Series([raw]))["value"][0]
        assert romanise(value) == key


def test_romanise_all_equals_romanise_on_risky_phrases() -> None:
    # Names holding a phrase pypinyin reads unlike its characters take the reference
    # path; names without take the per-character table. Both give romanise's values.
    risky = [p for p in _risky_phrases() if len(p) <= 3][:300]
    names_ = ([f"王{p}" for p in risky] + [f"单{p}" for p in risky]
              + [f"{p}丽" for p in risky] + ["张伟", "李娜", "欧阳娜娜"])
    got = romanise_all(pl.Series(names_)).to_list()
    assert got == [romanise(n) for n in names_]


def test_romanise_all_calls_pypinyin_per_character_not_per_name(monkeypatch) -> None:
    import attrib.fields.names as names

    calls: list[str] = []
    real = names.romanise

    def spy(name: str) -> str:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(names, "romanise", spy)
    many = pl.Series([f"{s}{g}" for s in "王李张刘陈杨" for g in ["伟", "芳", "娜", "敏", "静"]]
                     + [None])
    out = names.romanise_all(many)
    assert out.to_list()[:2] == ["wangwei", "wangfang"] and out[-1] is None
    assert calls == []


def test_risky_phrases_match_pypinyin() -> None:
    # The fast test (syllable by syllable from the dictionaries) finds exactly the
    # phrases lazy_pinyin reads unlike their characters alone.
    from pypinyin import lazy_pinyin
    from pypinyin.constants import PHRASES_DICT

    def letters(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())

    alone: dict[str, str] = {}
    slow = set()
    for phrase in PHRASES_DICT:
        whole = letters("".join(lazy_pinyin(phrase)))
        chars = "".join(alone.setdefault(c, letters("".join(lazy_pinyin(c)))) for c in phrase)
        if whole != chars:
            slow.add(phrase)
    assert slow <= set(_risky_phrases())
    assert len(_risky_phrases()) < 0.1 * len(PHRASES_DICT)


_NAME_CHARS = (
    "王李张刘陈杨黄赵吴周伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华"  # common
    "单曾解查仇朴区盖乐覃缪种员召繁秘翟都折薄阚藏长重朝行和了一不率"  # polyphonic
    "尉迟万俟欧阳司马上官诸葛城庆安东方"  # compound surnames, phrase parts
    "張偉歐陽劉單曾"  # traditional
    "〇㐀𠀋𪚥龘"  # rare
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.text(st.sampled_from(_NAME_CHARS), min_size=1, max_size=5),
                max_size=30))
def test_romanise_all_equals_romanise(raw: list[str | None]) -> None:
    got = romanise_all(pl.Series(raw, dtype=pl.String)).to_list()
    assert got == [None if v is None else romanise(v) for v in raw]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.none() | st.text(st.sampled_from(_NAME_CHARS + "Zhang wei·ü-*1 "),
                                    max_size=6), max_size=20))
def test_pinyin_key_equals_reference(raw: list[str | None]) -> None:
    # The reference: normalise, then romanise name by name (Latin: letters, ü as v).
    value = normalise_name(pl.Series(raw, dtype=pl.String))["value"]
    han = value.str.contains(r"\p{Han}").to_list()
    want = [None if v is None else
            romanise(v) if h else "".join(c for c in v.replace("ü", "v") if c.isalpha())
            for v, h in zip(value.to_list(), han, strict=True)]
    assert pinyin_key(pl.Series(raw, dtype=pl.String)).to_list() == want

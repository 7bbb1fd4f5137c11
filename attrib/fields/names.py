"""Personal names.

Canonical form (after NFKC and trimming):

* Chinese names (any Han character): every whitespace, punctuation and symbol character
  is removed — this includes all middle-dot variants (``·``, ``•``, ``・``, ``‧``,
  ``∙``) of minority and transliterated names, so ``阿依古丽·买买提`` and
  ``阿依古丽 买买提`` both become ``阿依古丽买买提``; traditional characters are
  converted to simplified (OpenCC ``t2s``). Valid: 2–20 Han characters.
* Latin / pinyin names: lower case; ``- _ , ; /`` become spaces, every other punctuation
  or symbol is removed (``O'Brien`` → ``obrien``), whitespace collapsed to one space.
  Valid: 1–6 words of letters, at most 100 characters.
* Masked names (``张*``, ``张**``, ``李●●``, ``Zhang W***``) → status ``masked``.

OpenCC is pure Python, so it only ever sees the distinct values that contain a
character OpenCC's character table would change; phrase-level conversions made
entirely of otherwise-unchanged characters are out of reach of this filter, which
does not matter for names.

:func:`pinyin_key` folds Chinese and romanised spellings to one key (``张伟`` and
``Zhang Wei`` → ``zhangwei``) for fuzzy comparison; it is not a canonical form. Its
romanisation (:func:`romanise_all`) is pypinyin's, looked up per distinct character
and joined back by polars; only names holding a phrase pypinyin reads as a word
(长城) are read by pypinyin whole, so the values are :func:`romanise`'s, name by name.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import numpy as np
import polars as pl

from attrib.fields._common import (
    as_string_series,
    clean_series,
    is_missing,
    recompose,
    status_expr,
)
from attrib.fields._fast import (
    chars_mask,
    cjk_table,
    empty,
    keep_where,
    missing_tokens,
    status_column,
    string_buffers,
    with_residue,
)
from attrib.fields._kernels import CODE_VALID, plain_han_kernel
from attrib.fields.surnames import SURNAME_PINYIN

_MASK = r"[*●○◯■□◆◇]"
_HAN = r"\p{Han}"
_VALID_HAN = r"^\p{Han}{2,20}$"
_VALID_LATIN = r"^\p{L}+(?: \p{L}+){0,5}$"


def normalise_name(s: pl.Series) -> pl.DataFrame:
    """Canonicalise personal names (Chinese and Latin/pinyin).

    Args:
        s: String series of raw names.

    Returns:
        A frame aligned with ``s`` with ``value`` (canonical name or null) and
        ``status`` (valid/invalid/masked/missing).
    """
    raw = as_string_series(s)
    # One pass over the bytes settles the plain Chinese names (nearly every row of a
    # Chinese list); Latin, masked, traditional and untidy names take the general rules.
    offsets, data, null = string_buffers(raw)
    codes = empty(null.size)
    plain_han_kernel(offsets, data, null, _plain_han_table(), *missing_tokens(), codes)
    frame = pl.DataFrame([keep_where("value", raw, codes == CODE_VALID), status_column(codes)])
    return with_residue(frame, codes, raw, _general)


def _general(s: pl.Series) -> pl.DataFrame:
    """Every rule of the module docstring, for raw values (what the kernel leaves)."""
    t = pl.col("t")
    han_form = t.str.replace_all(r"[\s\p{P}\p{S}]", "")
    latin_form = (
        t.str.to_lowercase()
        .str.replace_all(r"[-_,;/]", " ")
        .str.replace_all(r"[\p{P}\p{S}]", "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )
    forms = (
        pl.DataFrame(clean_series(s))
        .lazy()
        .select(
            is_missing(t).alias("missing"),
            t.str.contains(_MASK).alias("masked"),
            t.str.contains(_HAN).alias("han"),
            pl.when(t.str.contains(_HAN)).then(han_form).otherwise(latin_form).alias("form"),
        )
        .collect()
    )
    form = pl.col("form")
    ok = (
        pl.when(pl.col("han"))
        .then(form.str.contains(_VALID_HAN))
        .otherwise(form.str.contains(_VALID_LATIN) & (form.str.len_chars() <= 100))
    )
    frame = (
        forms.with_columns(recompose(forms["form"]))
        .lazy()
        .select(
            pl.when(ok & ~pl.col("missing") & ~pl.col("masked")).then(form).alias("value"),
            status_expr(pl.col("missing"), pl.col("masked"), ok).alias("status"),
        )
        .collect()
    )
    return frame.with_columns(to_simplified(frame["value"]).alias("value"))


@functools.cache
def _plain_han_table() -> np.ndarray:
    """The CJK Unified Ideographs a plain name may hold unchanged.

    Han (``_VALID_HAN``), not removed from Chinese names (``[\\s\\p{P}\\p{S}]``) and
    not a character that :func:`to_simplified` would send to OpenCC.
    """
    han = cjk_table(r"^\p{Han}$") & ~cjk_table(r"[\s\p{P}\p{S}]")
    traditional = chars_mask([c for key in _traditional_chars() for c in key])
    return han & ~traditional


def to_simplified(values: pl.Series) -> pl.Series:
    """Convert traditional characters to simplified, once per distinct affected value."""
    needs = values.str.contains_any(_traditional_chars()).fill_null(False)
    if not needs.any():
        return values
    converter = _opencc()
    distinct = values.filter(needs).unique()
    converted = pl.Series([converter.convert(v) for v in distinct.to_list()], dtype=pl.String)
    return values.replace(distinct, converted)


def pinyin_key(s: pl.Series) -> pl.Series:
    """A spelling-insensitive key: ``张伟`` and ``Zhang Wei`` both give ``zhangwei``.

    Chinese names are romanised as :func:`romanise` does (pypinyin, lazy style, no
    tones, ``ü`` as ``v``, common surname readings such as 单 → shan fixed), through
    :func:`romanise_all`: per distinct *character*, vectorised, with the same values.
    Latin names keep their letters only, lower case, with ``ü`` written ``v``.

    Args:
        s: String series of raw names.

    Returns:
        A String series aligned with ``s``; null where the name is not valid.
    """
    value = normalise_name(s)["value"]
    han = value.str.contains(_HAN).fill_null(False)
    latin_key = value.str.replace_all("ü", "v", literal=True).str.replace_all(r"[^\p{L}]", "")
    han_key = romanise_all(pl.select(pl.when(han).then(value)).to_series())
    return pl.select(
        pl.when(han).then(han_key).otherwise(latin_key).alias(s.name or "pinyin_key")
    ).to_series()


# pypinyin costs ~20-50 µs a name; names recur across the lists of one case.
@functools.lru_cache(maxsize=1 << 20)
def romanise(name: str) -> str:
    """Pinyin of one Chinese name, letters only, lower case (the reference romanisation).

    The first one or two characters are looked up in ``SURNAME_PINYIN`` (two first);
    the rest of the name is read by pypinyin's ``lazy_pinyin``, which reads the words
    of its phrase dictionary as words (长 in 长城 is chang, alone zhang).
    """
    from pypinyin import lazy_pinyin  # imported lazily: its dictionaries take a while

    for width in (2, 1):
        head = name[:width]
        if head in SURNAME_PINYIN:
            rest = "".join(lazy_pinyin(name[width:])) if name[width:] else ""
            text = SURNAME_PINYIN[head] + rest
            break
    else:
        text = "".join(lazy_pinyin(name))
    return _letters(text)


def romanise_all(names: pl.Series) -> pl.Series:
    """:func:`romanise` of every value of ``names`` (nulls stay null), vectorised.

    pypinyin reads a string word by word (forward maximum matching over its phrase
    dictionary), and a word not in the dictionary character by character. A name is
    therefore romanised here as its surname reading followed by the reading of each
    character (a table of the few thousand distinct characters, joined back by
    polars), which is exactly :func:`romanise` unless the rest of the name contains a
    *risky* phrase: one whose dictionary reading differs from its characters' own
    readings (长城, 一了; :func:`_risky_phrases`) or a character pypinyin reads
    differently alone than the dictionaries say. Those few names take
    :func:`romanise` itself. ~1 µs a distinct name instead of ~20-50 µs.

    Args:
        names: String series of canonical Chinese names.

    Returns:
        A String series aligned with ``names``.
    """
    distinct = names.drop_nulls().unique()
    if distinct.len() == 0:
        return pl.Series(names.name, [None] * names.len(), dtype=pl.String)
    keys = _romanise_distinct(distinct)
    return names.replace_strict(distinct, keys, default=None, return_dtype=pl.String)


def _romanise_distinct(distinct: pl.Series) -> pl.Series:
    """:func:`romanise` of distinct non-null names, aligned with them."""
    surnames = _surname_letters()
    heads = list(surnames)
    h2, h1 = pl.col("n").str.slice(0, 2), pl.col("n").str.slice(0, 1)
    width = (pl.when(h2.is_in(heads)).then(pl.lit(2, pl.Int64))
             .when(h1.is_in(heads)).then(pl.lit(1, pl.Int64))
             .otherwise(pl.lit(0, pl.Int64)))
    frame = (pl.DataFrame({"n": distinct})
             .with_columns(width.alias("w"))
             .select("n",
                     pl.when(pl.col("w") == 2).then(h2).when(pl.col("w") == 1).then(h1)
                     .replace_strict(heads, list(surnames.values()), default="")
                     .fill_null("").alias("surname"),
                     pl.col("n").str.slice(pl.col("w")).alias("rest")))
    chars = frame["rest"].str.split("").explode().drop_nulls().unique().to_list()
    table, risky_chars = _char_table(chars)
    risky = _risky_phrases() + risky_chars
    letters = (pl.col("rest").str.replace_many(list(table), list(table.values())) if table
               else pl.col("rest"))
    frame = frame.select("n", (pl.col("surname") + letters).alias("key"),
                         (pl.col("rest").str.contains_any(risky) if risky else pl.lit(False))
                         .alias("risky"))
    fallback = frame.filter("risky")["n"]
    if fallback.len():
        fixed = pl.Series([romanise(v) for v in fallback.to_list()], dtype=pl.String)
        frame = frame.with_columns(
            pl.when("risky").then(pl.col("n").replace_strict(fallback, fixed, default=None))
            .otherwise("key").alias("key"))
    return frame["key"]


def _letters(text: str) -> str:
    """The ASCII letters of ``text``, lower case."""
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())


@functools.cache
def _surname_letters() -> dict[str, str]:
    """``SURNAME_PINYIN`` as :func:`romanise` writes it (letters only)."""
    return {head: _letters(reading) for head, reading in SURNAME_PINYIN.items()}


# Characters seen so far: their letters as pypinyin reads them alone, and whether that
# differs from the reading :func:`_risky_phrases` assumed for them (then names holding
# them take the reference path, so the two can never disagree).
_CHARS: dict[str, tuple[str, bool]] = {}


def _char_table(chars: list[str]) -> tuple[dict[str, str], list[str]]:
    """Letters of each character (pypinyin, alone), and the characters to avoid."""
    new = [c for c in chars if c not in _CHARS]
    if new:
        from pypinyin import lazy_pinyin

        for c in new:
            alone = _letters("".join(lazy_pinyin(c)))
            _CHARS[c] = (alone, alone != _dictionary_letters(c))
    table = {c: _CHARS[c][0] for c in chars}
    return table, [c for c in chars if _CHARS[c][1]]


@functools.lru_cache(maxsize=1 << 16)
def _dictionary_letters(char: str) -> str:
    """Letters of a character's first reading in pypinyin's dictionaries."""
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT

    if char in PHRASES_DICT:
        return _syllable_letters(PHRASES_DICT[char][0][0])
    readings = PINYIN_DICT.get(ord(char))
    return _syllable_letters(readings.split(",")[0]) if readings else ""


@functools.lru_cache(maxsize=1 << 14)
def _syllable_letters(syllable: str) -> str:
    """Letters of one toned syllable in pypinyin's NORMAL style (``lǘ`` → ``lv``)."""
    from pypinyin import Style
    from pypinyin.style import convert

    return _letters(convert(syllable, Style.NORMAL, strict=True, default=syllable))


@functools.cache
def _risky_phrases() -> list[str]:
    """Phrases of pypinyin's dictionary not read as their characters are read alone.

    A name whose rest (after the surname) contains none of them is romanised by
    pypinyin character by character, whatever words it segments the name into.
    About 3,400 of 47,000 phrases (长城 changcheng, 一了 yiliao); ~0.1 s, once.
    """
    from pypinyin.constants import PHRASES_DICT

    risky = []
    for phrase, readings in PHRASES_DICT.items():
        if len(phrase) < 2:
            continue
        if len(readings) != len(phrase) or (
                "".join(_syllable_letters(r[0]) for r in readings)
                != "".join(_dictionary_letters(c) for c in phrase)):
            risky.append(phrase)
    return risky


@functools.cache
def _opencc() -> Any:
    """The shared OpenCC t2s converter (built once, on first use)."""
    import opencc

    return opencc.OpenCC("t2s")


@functools.cache
def _traditional_chars() -> list[str]:
    """Characters that OpenCC's t2s character table changes."""
    table = importlib.resources.files("opencc") / "dictionary" / "TSCharacters.txt"
    chars = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        key, _, targets = line.partition("\t")
        if key and targets.split(" ")[0] != key:
            chars.add(key)
    return sorted(chars)

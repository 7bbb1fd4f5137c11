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
``Zhang Wei`` → ``zhangwei``) for fuzzy comparison; it is not a canonical form.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

import polars as pl

from attrib.fields._common import (
    clean_series,
    is_missing,
    map_distinct,
    recompose,
    status_expr,
)
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

    Chinese names are romanised with pypinyin (lazy style, no tones, ``ü`` as ``v``,
    common surname readings such as 单 → shan fixed), once per distinct name. Latin names
    keep their letters only, lower case, with ``ü`` written ``v``. Romanising costs
    about 50 µs per distinct Chinese name (cached for the process), so this is not on
    the path of :func:`attrib.fields.normalise`.

    Args:
        s: String series of raw names.

    Returns:
        A String series aligned with ``s``; null where the name is not valid.
    """
    value = normalise_name(s)["value"]
    han = value.str.contains(_HAN).fill_null(False)
    latin_key = value.str.replace_all("ü", "v", literal=True).str.replace_all(r"[^\p{L}]", "")
    han_key = map_distinct(pl.select(pl.when(han).then(value)).to_series(), romanise)
    return pl.select(
        pl.when(han).then(han_key).otherwise(latin_key).alias(s.name or "pinyin_key")
    ).to_series()


# pypinyin costs ~50 µs a name; names recur across the lists of one case.
@functools.lru_cache(maxsize=1 << 20)
def romanise(name: str) -> str:
    """Pinyin of one Chinese name, letters only, lower case."""
    from pypinyin import lazy_pinyin  # imported lazily: its dictionaries take a while

    for width in (2, 1):
        head = name[:width]
        if head in SURNAME_PINYIN:
            rest = "".join(lazy_pinyin(name[width:])) if name[width:] else ""
            text = SURNAME_PINYIN[head] + rest
            break
    else:
        text = "".join(lazy_pinyin(name))
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha())


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

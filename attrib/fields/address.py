"""Postal addresses: one comparable spelling, not a parsed address.

Rules, in order:

1. NFKC (full-width letters, digits and punctuation become ASCII: ``（`` → ``(``).
2. Delete whitespace and the separators that carry no address content: ``, ; : " '``,
   the enumeration comma ``、`` and the CJK quotes ``“”‘’`` (so ``北京市,朝阳区`` and
   ``北京市朝阳区`` agree).
3. Fold the CJK punctuation that NFKC leaves alone to ASCII: ``。``→``.``,
   ``【〔``→``[``, ``】〕``→``]``, ``《〈``→``<``, ``》〉``→``>``, dashes and tildes
   (``—–―~〜``) → ``-``.
4. Drop ``.`` unless it stands between two digits (``1.5号楼`` keeps it). ``- # ( ) / [ ]``
   stay: they carry meaning in room numbers (``3-2-501``, ``5#楼``).
5. Drop a leading ``中国``; add ``市`` after a leading municipality (北京, 上海, 天津,
   重庆) when the next word ends in 区 or 县 and contains no 路/街/道/巷/弄/号
   (``北京朝阳区`` → ``北京市朝阳区``; ``北京东路8号`` stays). 路, 号 and the like are
   never abbreviated or expanded.

Valid: at least 2 characters with at least one letter or Han character. An address
containing ``*`` or ``●`` → ``masked``; nothing left after folding → ``missing``.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from attrib.fields._common import (
    apply_where,
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
from attrib.fields._kernels import CODE_VALID, unchanged_address_kernel

# Deleted outright: whitespace, separators that carry no address content, and the CJK
# quotes and enumeration comma (fold-then-delete is delete). \ue000 (private use) marks
# decimal points below, so any in the input goes too.
_DELETE = "[\\s\ue000,;:\"'、“”‘’]"
_FOLD_FROM = ["。", "【", "〔", "】", "〕", "《", "〈", "》", "〉", "—", "–", "―", "~", "〜"]
_FOLD_TO = [".", "[", "[", "]", "]", "<", "<", ">", ">", "-", "-", "-", "-", "-"]
_FOLDABLE = "[\\s\ue000,;:\"'、“”‘’。【〔】〕《〈》〉—–―~〜.]"
_MUNICIPALITY = r"^(北京|上海|天津|重庆)([\p{Han}--[市路街道巷弄号]]{1,4}[区县])"


def normalise_address(s: pl.Series) -> pl.DataFrame:
    """Canonicalise postal addresses (see the module docstring for the rules).

    Args:
        s: String series of raw addresses.

    Returns:
        A frame aligned with ``s`` with ``value`` (canonical address or null) and
        ``status`` (valid/invalid/masked/missing).
    """
    raw = as_string_series(s)
    # One pass over the bytes settles the addresses that no rule changes (nearly every
    # row of a real list); the rest take the general rules.
    offsets, data, null = string_buffers(raw)
    codes = empty(null.size)
    letters, municipal = _tables()
    unchanged_address_kernel(offsets, data, null, letters, municipal, *missing_tokens(), codes)
    frame = pl.DataFrame([keep_where("value", raw, codes == CODE_VALID), status_column(codes)])
    return with_residue(frame, codes, raw, _general)


def _general(s: pl.Series) -> pl.DataFrame:
    """Every rule of the module docstring, for raw values (what the kernel leaves)."""
    t = pl.col("t")
    cleaned = clean_series(s)
    # Most addresses have nothing to fold; the rewrite runs on the others only.
    folded = apply_where(cleaned, cleaned.str.contains(_FOLDABLE), _fold_punctuation)
    missing_before = pl.select(is_missing(pl.lit(folded))).to_series()
    # Prefix rules: only the few rows they touch are rewritten.
    folded = apply_where(folded, folded.str.starts_with("中国"), _drop_country)
    folded = apply_where(folded, folded.str.contains(_MUNICIPALITY), _add_city_suffix)
    frame = pl.DataFrame([folded, missing_before.alias("missing")]).lazy()
    missing = pl.col("missing") | (t.str.len_chars() == 0)
    masked = t.str.contains(r"[*●○]")
    valid = (t.str.len_chars() >= 2) & t.str.contains(r"\p{L}")
    # Lazy, so the optimiser computes each shared condition once.
    return frame.select(
        pl.when(valid & ~missing & ~masked).then(t).alias("value"),
        status_expr(missing, masked, valid).alias("status"),
    ).collect()


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """CJK tables of the kernel: letters (``\\p{L}``), and the characters that may
    follow a municipality in ``_MUNICIPALITY`` (``[\\p{Han}--[市路街道巷弄号]]``)."""
    letters = cjk_table(r"\p{L}")
    municipal = cjk_table(r"^\p{Han}$") & ~chars_mask(list("市路街道巷弄号"))
    return letters, municipal


def _drop_country(t: pl.Series) -> pl.Series:
    """Rule 5, first half: no leading 中国."""
    return t.str.replace(r"^(?:中国)+", "")


def _add_city_suffix(t: pl.Series) -> pl.Series:
    """Rule 5, second half: 北京朝阳区 → 北京市朝阳区."""
    return t.str.replace(_MUNICIPALITY, "${1}市${2}")


def _fold_punctuation(t: pl.Series) -> pl.Series:
    """Rules 2-4 of the module docstring (whitespace, punctuation, dots)."""
    folded = (
        t.str.replace_all(_DELETE, "")
        .str.replace_many(_FOLD_FROM, _FOLD_TO)
        .str.replace_all(r"(\d)\.(\d)", "${1}\ue000${2}")
        .str.replace_all(".", "", literal=True)
        .str.replace_all("\ue000", ".", literal=True)
    )
    return recompose(folded)

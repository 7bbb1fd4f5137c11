"""Postal addresses: one comparable spelling, not a parsed address.

Rules, in order:

1. NFKC (full-width letters, digits and punctuation become ASCII: ``（`` → ``(``).
2. Remove all whitespace.
3. Fold the CJK punctuation NFKC leaves alone to ASCII: ``、``→``,``, ``。``→``.``,
   ``“”``→``"``, ``‘’``→``'``, ``【〔``→``[``, ``】〕``→``]``, ``《〈``→``<``,
   ``》〉``→``>``, dashes and tildes (``—–―~～〜``) → ``-``.
4. Drop the punctuation that only separates parts (``, ; : " '`` and ``.`` not between
   digits), so ``北京市,朝阳区`` and ``北京市朝阳区`` agree. ``- # ( ) / [ ]`` stay: they
   carry meaning in room numbers (``3-2-501``, ``5#楼``).
5. Drop a leading ``中国``; add ``市`` after a leading municipality (北京, 上海, 天津,
   重庆) when the next word ends in 区 or 县 and contains no 路/街/道/巷/弄/号
   (``北京朝阳区`` → ``北京市朝阳区``; ``北京东路8号`` stays). 路, 号 and the like are
   never abbreviated or expanded.

Valid: at least 2 characters with at least one letter or Han character. An address
containing ``*`` or ``●`` → ``masked``.
"""

from __future__ import annotations

import polars as pl

from attrib.fields._common import clean_series, is_missing, status_expr

_FOLD_FROM = ["、", "。", "“", "”", "‘", "’", "【", "〔", "】", "〕", "《", "〈", "》", "〉"]
_FOLD_TO = [",", ".", '"', '"', "'", "'", "[", "[", "]", "]", "<", "<", ">", ">"]
_MUNICIPALITY = r"^(北京|上海|天津|重庆)([\p{Han}--[市路街道巷弄号]]{1,4}[区县])"


def normalise_address(s: pl.Series) -> pl.DataFrame:
    """Canonicalise postal addresses (see the module docstring for the rules).

    Args:
        s: String series of raw addresses.

    Returns:
        A frame aligned with ``s`` with ``value`` (canonical address or null) and
        ``status`` (valid/invalid/masked/missing).
    """
    t = pl.col("t")
    folded = (
        # \ue000 (private use) marks decimal points below; drop any in the input.
        t.str.replace_all("[\\s\ue000]", "")
        .str.replace_many(_FOLD_FROM, _FOLD_TO)
        .str.replace_all(r"[—–―~〜]", "-")
        .str.replace_all(r"[,;:\"']", "")
        .str.replace_all(r"(\d)\.(\d)", "${1}\ue000${2}")
        .str.replace_all(".", "", literal=True)
        .str.replace_all("\ue000", ".", literal=True)
        .str.replace(r"^(?:中国)+", "")
        .str.replace(_MUNICIPALITY, "${1}市${2}")
    )
    frame = pl.DataFrame(clean_series(s)).with_columns(is_missing(t).alias("missing"), folded)
    missing = pl.col("missing") | (t.str.len_chars() == 0)
    masked = t.str.contains(r"[*●○]")
    valid = (t.str.len_chars() >= 2) & t.str.contains(r"\p{L}")
    return frame.select(
        pl.when(valid & ~missing & ~masked).then(t).alias("value"),
        status_expr(missing, masked, valid).alias("status"),
    )

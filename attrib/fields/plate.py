"""Vehicle licence plates of mainland China: upper case, no separators (``京A12345``).

NFKC (full-width letters and digits become ASCII), upper case, and every space, dot,
dash, underscore or middle dot removed. Valid: a province abbreviation, a letter, then
5 characters (ordinary plates) or 6 (new-energy plates) of letters and digits. A plate
of that shape with ``*``/``●`` in place of some characters (``京A***45``) → ``masked``.
Special plates (``学``, ``警``, ``挂``, embassy) are invalid by this rule.
"""

from __future__ import annotations

import polars as pl

from attrib.fields._common import clean_series, is_missing, status_expr

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_VALID = rf"^[{PROVINCES}][A-Z][A-Z0-9]{{5,6}}$"
_MASKED = rf"^[{PROVINCES}*][A-Z*][A-Z0-9*]{{5,6}}$"
_SEPARATORS = r"[\s.\-_·•・‧∙]"


def normalise_plate(s: pl.Series) -> pl.DataFrame:
    """Canonicalise vehicle licence plates.

    Args:
        s: String series of raw plates.

    Returns:
        A frame aligned with ``s`` with ``value`` (canonical plate or null) and
        ``status`` (valid/invalid/masked/missing).
    """
    t = pl.col("t")
    frame = (
        pl.DataFrame(clean_series(s))
        .lazy()
        .with_columns(
            is_missing(t).alias("missing"),
            t.str.to_uppercase().str.replace_all(_SEPARATORS, "").str.replace_all(r"[●○]", "*"),
        )
    )
    missing = pl.col("missing")
    masked = t.str.contains("*", literal=True) & t.str.contains(_MASKED)
    valid = t.str.contains(_VALID)
    # Lazy, so the optimiser computes each shared condition once.
    return frame.select(
        pl.when(valid & ~missing & ~masked).then(t).alias("value"),
        status_expr(missing, masked, valid).alias("status"),
    ).collect()

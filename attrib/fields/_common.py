"""Helpers shared by the per-kind normalisers.

Every normaliser follows the same shape: clean the text with polars expressions
(vectorised, no Python per row), classify each row into one of ``STATUSES``, and only
for the rare values that need a library (phonenumbers, opencc, pypinyin) call Python
once per *distinct* value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl

VALID = "valid"
INVALID = "invalid"
MASKED = "masked"
MISSING = "missing"
STATUSES = (VALID, INVALID, MASKED, MISSING)

# Placeholders that exports use for "no value". They count as missing, not invalid:
# a list full of "NULL" says nothing about fabrication. Kept case-exact (no lowercase
# pass over every row); the common spellings are listed.
MISSING_TOKENS = (
    "",
    "NULL",
    "null",
    "Null",
    "NONE",
    "None",
    "none",
    "NaN",
    "nan",
    "NAN",
    "N/A",
    "n/a",
    "#N/A",
    "\\N",
    "-",
    "--",
    "/",
    "无",
    "空",
    "未知",
    "不详",
)


# NFKC leaves ASCII and the CJK Unified Ideographs block untouched; only values with
# another character need it, and finding those is ~6x cheaper than normalising all.
_NFKC_CANDIDATE = r"[^\x00-\x7F\x{4E00}-\x{9FFF}]"


def clean_series(s: pl.Series | Iterable[str | None]) -> pl.Series:
    """NFKC (full-width to ASCII, compatibility forms folded), then trim whitespace.

    Args:
        s: Raw values (any dtype is cast to String).

    Returns:
        A String series named ``t``, aligned with ``s``.
    """
    t = as_string_series(s, "t")
    needs = t.str.contains(_NFKC_CANDIDATE).fill_null(False)
    if needs.any():
        t = t.scatter(needs.arg_true(), t.filter(needs).str.normalize("NFKC"))
    return t.str.strip_chars()


def is_missing(cleaned: pl.Expr) -> pl.Expr:
    """True where a cleaned value is null, blank or a known placeholder."""
    return cleaned.is_null() | cleaned.is_in(MISSING_TOKENS)


def as_string_series(s: pl.Series | Iterable[str | None], name: str = "raw") -> pl.Series:
    """Return ``s`` as a String series named ``name`` (accepts lists for convenience)."""
    if not isinstance(s, pl.Series):
        s = pl.Series(name, list(s), dtype=pl.String)
    if s.dtype != pl.String:
        s = s.cast(pl.String)
    return s.rename(name)


def map_distinct(values: pl.Series, fn: Callable[[str], str | None]) -> pl.Series:
    """Apply ``fn`` once per distinct non-null value of ``values``.

    The Python call count is the number of distinct values, never the number of rows;
    callers only pass the rare values that need a library (e.g. non-CN phones).

    Args:
        values: String series; nulls are passed through.
        fn: Maps one value to its replacement (or None).

    Returns:
        A String series aligned with ``values``.
    """
    uniq = values.drop_nulls().unique()
    if uniq.len() == 0:
        return pl.Series(values.name, [None] * values.len(), dtype=pl.String)
    mapped = pl.Series([fn(v) for v in uniq.to_list()], dtype=pl.String)
    return values.replace_strict(uniq, mapped, default=None, return_dtype=pl.String)


def status_expr(missing: pl.Expr, masked: pl.Expr, valid: pl.Expr) -> pl.Expr:
    """Combine three boolean conditions into the status column (first match wins)."""
    return (
        pl.when(missing)
        .then(pl.lit(MISSING))
        .when(masked)
        .then(pl.lit(MASKED))
        .when(valid)
        .then(pl.lit(VALID))
        .otherwise(pl.lit(INVALID))
    )

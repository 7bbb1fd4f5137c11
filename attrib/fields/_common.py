"""Helpers shared by the per-kind normalisers.

Every normaliser follows the same shape: clean the text with polars expressions
(vectorised, no Python per row), classify each row into one of ``STATUSES``, and only
for the rare values that need a library (phonenumbers, opencc, pypinyin) call Python
once per *distinct* value. These are the general rules; the rows of a plain canonical
shape are settled before them by a kernel (``attrib.fields._fast``).
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


# NFKC leaves printable ASCII and the CJK Unified Ideographs block untouched; only
# values with another character need it, and finding those is ~6x cheaper than
# normalising all.
_NEEDS_CLEANING = r"[^\x20-\x7E\x{4E00}-\x{9FFF}]"
# Control and format characters (zero-width spaces, BOMs, bidi marks) are invisible and
# never part of an identifier; whitespace controls (tab, newline) stay as whitespace.
_INVISIBLE = r"[[\p{Cc}--\s]\p{Cf}]"


def clean_series(s: pl.Series | Iterable[str | None]) -> pl.Series:
    """NFKC, invisible characters removed, surrounding whitespace trimmed.

    NFKC turns full-width letters, digits and punctuation into ASCII and folds other
    compatibility forms (``①`` → ``1``, ideographic space → space).

    Args:
        s: Raw values (any dtype is cast to String).

    Returns:
        A String series named ``t``, aligned with ``s``.
    """
    t = as_string_series(s, "t")
    needs = t.str.contains(_NEEDS_CLEANING).fill_null(False)
    if needs.any():
        rows = t.filter(needs).str.normalize("NFKC").str.replace_all(_INVISIBLE, "")
        t = t.clone().scatter(needs.arg_true(), rows)
    return t.str.strip_chars()


def recompose(t: pl.Series) -> pl.Series:
    """NFKC again after characters were removed from cleaned values.

    Removing a space can bring a letter next to a combining mark (``K ̧`` → ``Ķ``);
    without this the canonical form would change when normalised a second time.
    """
    needs = t.str.contains(_NEEDS_CLEANING).fill_null(False)
    if not needs.any():
        return t
    return t.clone().scatter(needs.arg_true(), t.filter(needs).str.normalize("NFKC"))


def per_distinct(t: pl.Series, fn: Callable[[pl.Series], pl.DataFrame]) -> pl.DataFrame:
    """Run a vectorised normaliser on the distinct values of ``t`` and join back.

    Worth it where the values repeat a lot whatever the list's size (dates: a few
    tens of thousands of days, times a handful of spellings): the regex work then
    scales with the number of distinct values and only a hash join with the rows.

    Args:
        t: Cleaned values (see :func:`clean_series`).
        fn: Maps a series of values to a frame aligned with it.

    Returns:
        ``fn``'s frame aligned with ``t``.
    """
    distinct = t.unique()
    result = fn(distinct).with_columns(distinct.alias("__key"))
    keys = pl.DataFrame({"__key": t})
    joined = keys.join(result, on="__key", how="left", nulls_equal=True, maintain_order="left")
    return joined.drop("__key")


def apply_where(t: pl.Series, mask: pl.Series, fn: Callable[[pl.Series], pl.Series]) -> pl.Series:
    """``t`` with ``fn`` applied to the rows where ``mask`` is true, and only those.

    Polars evaluates both branches of ``when/then`` on every row; a rewrite that only
    a few rows need (stray punctuation, masks) is cheaper on the gathered subset.

    Args:
        t: String series.
        mask: Boolean series aligned with ``t``.
        fn: Vectorised rewrite of a String series (same length out as in).

    Returns:
        A new series; ``t`` itself is not modified.
    """
    mask = mask.fill_null(False)
    if not mask.any():
        return t
    if mask.all():
        return fn(t)
    rows = mask.arg_true()
    return t.clone().scatter(rows, fn(t.gather(rows)))


def split_rows(
    fast: pl.Series,
    fast_fn: Callable[[pl.Series], pl.DataFrame],
    full_fn: Callable[[pl.Series], pl.DataFrame],
) -> pl.DataFrame:
    """``fast_fn`` on the rows where ``fast`` is true, ``full_fn`` on the others.

    Real lists are dominated by one or two clean spellings (``13812345678``); a cheap
    rule settles those rows and the many-step rules run on the rest only. Both
    functions take the row numbers (a UInt32 series) they must handle and return a
    frame with one row per row number, with the same columns and dtypes; ``fast_fn``
    must give what ``full_fn`` would on its rows.

    Args:
        fast: Boolean mask of the rows ``fast_fn`` settles.
        fast_fn: Cheap normaliser of the fast rows.
        full_fn: Complete normaliser of the other rows.

    Returns:
        Both results merged back into row order.
    """
    fast = fast.fill_null(False)
    fast_rows, slow_rows = fast.arg_true(), (~fast).arg_true()
    if slow_rows.len() == 0:
        return fast_fn(fast_rows)
    if fast_rows.len() == 0:
        return full_fn(slow_rows)
    merged = pl.concat([fast_fn(fast_rows), full_fn(slow_rows)], how="vertical")
    # merged row j belongs at position order[j]; invert that permutation to gather.
    order = pl.concat([fast_rows, slow_rows])
    positions = pl.int_range(0, fast.len(), dtype=pl.UInt32, eager=True)
    where = pl.zeros(fast.len(), dtype=pl.UInt32, eager=True).scatter(order, positions)
    return merged[where]


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

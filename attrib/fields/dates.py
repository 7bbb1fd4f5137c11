"""Dates (birth dates) → ISO ``YYYY-MM-DD``.

Accepted shapes, after NFKC, with any time part (``T``/space + ``hh:mm[:ss[.fff]]`` and
an optional ``Z``/offset) dropped and whitespace removed:

* year first: ``1990-01-02``, ``1990/1/2``, ``1990.01.02``, ``1990年1月2日``;
* compact: ``19900102``;
* year last: ``02/01/1990``, ``2-1-1990``, ``02.01.1990``. Whether the first number is
  the day or the month is decided per value, and only when it is unambiguous: if the
  first number is > 12 it is the day (``25/12/1990``); if the second is > 12 it is the
  day (``12/25/1990``); if both are equal the reading does not matter. Otherwise the
  value is invalid with reason ``ambiguous`` — guessing would silently corrupt tokens;
* Excel serial day numbers: 5 digits between 20000 and 60000 (optionally ``.0``),
  counted from 1899-12-30 (``32874`` → ``1990-01-01``).

A recognised shape that is not a real date (``1990-02-30``), or lies before 1900-01-01 or
after today, is invalid with reason ``impossible``; anything else is reason ``format``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from attrib.fields._common import (
    INVALID,
    MISSING,
    VALID,
    as_string_series,
    clean_series,
    is_missing,
    per_distinct,
)
from attrib.fields._fast import (
    empty,
    fixed_width_column,
    lookup,
    status_column,
    string_buffers,
    today_key,
    with_residue,
)
from attrib.fields._kernels import CODE_INVALID, CODE_VALID, year_first_kernel

_TIME_PART = r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)$"
_YEAR_FIRST = r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"
_COMPACT = r"^(\d{4})(\d{2})(\d{2})$"
_YEAR_LAST = r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$"
_EXCEL = r"^(\d{5})(?:\.0+)?$"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
EARLIEST = dt.date(1900, 1, 1)


def normalise_date(s: pl.Series) -> pl.DataFrame:
    """Parse dates in the common Chinese and international shapes to ISO strings.

    Args:
        s: String series of raw dates.

    Returns:
        A frame aligned with ``s``: ``value`` (``YYYY-MM-DD`` or null), ``status``
        (valid/invalid/missing; dates are never masked) and ``reason`` (``format``,
        ``ambiguous`` or ``impossible`` for invalid values, else null).
    """
    raw = as_string_series(s)
    # One pass over the bytes settles the year-first and compact dates written in ASCII
    # digits (nearly every row of a real list); the rest take the general rules.
    offsets, data, null = string_buffers(raw)
    codes, value_data = empty(null.size), empty(10 * null.size)
    year_first_kernel(offsets, data, null, today_key(), codes, value_data)
    frame = pl.DataFrame(
        [
            fixed_width_column("value", value_data, codes == CODE_VALID, 10),
            status_column(codes),
            # The kernel's invalid dates are all recognised shapes that are no real date.
            lookup("reason", (None, "impossible"), (codes == CODE_INVALID).view(np.uint8)),
        ]
    )
    return with_residue(frame, codes, raw, _general)


def _general(s: pl.Series) -> pl.DataFrame:
    """Every rule of the module docstring, for raw values (what the kernel leaves)."""
    # A list holds a few tens of thousands of distinct dates whatever its length, so
    # the rules (and even the text cleaning) run once per distinct value.
    return per_distinct(s, lambda distinct: _rules(clean_series(distinct)))


def _rules(cleaned: pl.Series) -> pl.DataFrame:
    """:func:`normalise_date` on values already NFKC-cleaned."""
    today = dt.date.today()
    t = pl.col("t")
    compact = t.str.replace(_TIME_PART, "").str.replace_all(r"\s", "")
    frame = (
        pl.DataFrame({"t": cleaned})
        .lazy()
        .with_columns(is_missing(t).alias("missing"), compact.alias("t"))
        .with_columns(_iso_candidate(pl.col("t")))
        .with_columns(
            pl.when(pl.col("excel").is_not_null())
            .then(pl.lit(_EXCEL_EPOCH) + pl.duration(days=pl.col("excel")))
            .otherwise(pl.col("iso").str.to_date("%Y-%m-%d", strict=False))
            .alias("date")
        )
        .with_columns(
            (
                pl.col("date").is_not_null()
                & (pl.col("date") >= EARLIEST)
                & (pl.col("date") <= today)
            ).alias("ok")
        )
        .select(
            pl.when(pl.col("ok") & ~pl.col("missing"))
            .then(pl.col("date").dt.to_string("%Y-%m-%d"))
            .alias("value"),
            pl.when(pl.col("missing"))
            .then(pl.lit(MISSING))
            .when(pl.col("ok"))
            .then(pl.lit(VALID))
            .otherwise(pl.lit(INVALID))
            .alias("status"),
            pl.when(pl.col("missing") | pl.col("ok"))
            .then(None)
            .when(pl.col("ambiguous"))
            .then(pl.lit("ambiguous"))
            .when(pl.col("iso").is_not_null() | pl.col("excel").is_not_null())
            .then(pl.lit("impossible"))
            .otherwise(pl.lit("format"))
            .alias("reason"),
        )
        .collect()
    )
    return frame


def _iso_candidate(t: pl.Expr) -> list[pl.Expr]:
    """Expressions for ``iso`` (zero-padded Y-M-D text), ``excel`` and ``ambiguous``."""
    first = t.str.extract_groups(_YEAR_FIRST)
    compact = t.str.extract_groups(_COMPACT)
    last = t.str.extract_groups(_YEAR_LAST)
    a = last.struct.field("1").cast(pl.Int32, strict=False)
    b = last.struct.field("2").cast(pl.Int32, strict=False)
    # Day-first when the first number cannot be a month, month-first when the second
    # cannot be; equal numbers read the same either way.
    day_first = (a > 12) | (a == b)
    month_first = (b > 12) & (a <= 12)
    last_month = pl.when(day_first).then(b).when(month_first).then(a)
    last_day = pl.when(day_first).then(a).when(month_first).then(b)
    year = pl.coalesce(first.struct.field("1"), compact.struct.field("1"), last.struct.field("3"))
    month = pl.coalesce(
        first.struct.field("2"), compact.struct.field("2"), last_month.cast(pl.String)
    )
    day = pl.coalesce(first.struct.field("3"), compact.struct.field("3"), last_day.cast(pl.String))
    iso = pl.concat_str([year, month.str.zfill(2), day.str.zfill(2)], separator="-")
    serial = t.str.extract(_EXCEL, 1).cast(pl.Int32, strict=False)
    excel = pl.when((serial >= 20000) & (serial <= 60000)).then(serial)
    ambiguous = last.struct.field("3").is_not_null() & last_month.is_null()
    return [iso.alias("iso"), excel.alias("excel"), ambiguous.alias("ambiguous")]

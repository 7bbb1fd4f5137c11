"""Resident identity card numbers (居民身份证号码, GB 11643-1999).

Canonical form: 18 characters, the ISO 7064 MOD 11-2 check digit verified, ``X`` upper
case (``11010519491231002X``). Rules:

* NFKC, whitespace and dashes removed, upper case.
* 18 characters ``[1-8]`` + 16 digits + digit/``X``: valid when the embedded birth date
  (characters 7–14) is a real date between 1900-01-01 and today and the check digit
  matches. Otherwise invalid, with ``reason`` ``region`` (first digit not 1–8),
  ``birth_date`` or ``check_digit``; anything else is ``format``.
* 15 digits (first-generation cards): upgraded by inserting ``19`` after the 6-digit
  region code and appending the computed check digit; the birth date is checked.
* Masked: 18 characters of digits and mask marks (``*``, ``●``…; ``x``/``X`` count as a
  mask anywhere but the last position), at least one mask → status ``masked``,
  ``masked`` holds the canonical mask with ``*`` (``110105********002X``).

The province (first two digits) is *not* part of validity; :data:`PROVINCE_CODES`
lets quality checks count IDs from unknown provinces as a separate signal.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from attrib.fields._common import (
    INVALID,
    MASKED,
    MISSING,
    VALID,
    clean_series,
    is_missing,
)

# GB/T 2260 province-level codes, incl. 71 Taiwan, 81/82 Hong Kong/Macao and 83 used
# on residence permits for Taiwan residents.
PROVINCE_CODES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83"
).split()

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_MASK_CHARS = r"[●•○◯■□◆◇#]"
_MASKED_ID = r"^[0-9*X]{17}[0-9X*]$"


def normalise_national_id(s: pl.Series) -> pl.DataFrame:
    """Validate and canonicalise national ID numbers.

    Args:
        s: String series of raw ID numbers.

    Returns:
        A frame aligned with ``s``: ``value`` (canonical 18-character ID or null),
        ``status``, ``masked`` (canonical mask or null), ``birth_date`` (ISO date
        embedded in a valid ID), ``gender`` (``"M"``/``"F"`` from the sequence digit of a
        valid ID) and ``reason`` (why an ID is invalid: ``format``, ``region``,
        ``birth_date`` or ``check_digit``; null otherwise).
    """
    today = dt.date.today()
    t = pl.col("t")
    frame = (
        pl.DataFrame(clean_series(s))
        .lazy()
        .with_columns(
            is_missing(t).alias("missing"),
            t.str.replace_all(r"[\s\-]", "").str.to_uppercase(),
        )
        .with_columns(
            _masked_form(t).alias("masked"),
            pl.col("t").str.contains(r"^[0-9]{17}[0-9X]$").alias("is18"),
            pl.col("t").str.contains(r"^[0-9]{15}$").alias("is15"),
        )
        .with_columns(
            pl.when(pl.col("is18"))
            .then(pl.col("t").str.slice(0, 17))
            .when(pl.col("is15"))
            .then(pl.col("t").str.slice(0, 6) + pl.lit("19") + pl.col("t").str.slice(6, 9))
            .alias("body")
        )
        .with_columns(
            check_digit(pl.col("body")).alias("expected"),
            pl.col("body").str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("born"),
        )
        .with_columns(
            pl.when(pl.col("missing") | pl.col("masked").is_not_null())
            .then(None)
            .when(pl.col("body").is_null())
            .then(pl.lit("format"))
            .when(~pl.col("body").str.contains(r"^[1-8]"))
            .then(pl.lit("region"))
            .when(
                pl.col("born").is_null()
                | (pl.col("born") < dt.date(1900, 1, 1))
                | (pl.col("born") > today)
            )
            .then(pl.lit("birth_date"))
            .when(pl.col("is18") & (pl.col("t").str.slice(17, 1) != pl.col("expected")))
            .then(pl.lit("check_digit"))
            .alias("reason")
        )
        .with_columns(
            (~pl.col("missing") & pl.col("masked").is_null() & pl.col("reason").is_null()).alias(
                "ok"
            )
        )
        .select(
            pl.when(pl.col("ok")).then(pl.col("body") + pl.col("expected")).alias("value"),
            pl.when(pl.col("missing"))
            .then(pl.lit(MISSING))
            .when(pl.col("masked").is_not_null())
            .then(pl.lit(MASKED))
            .when(pl.col("ok"))
            .then(pl.lit(VALID))
            .otherwise(pl.lit(INVALID))
            .alias("status"),
            pl.when(~pl.col("missing")).then(pl.col("masked")).alias("masked"),
            pl.when(pl.col("ok")).then(pl.col("born").dt.to_string("%Y-%m-%d")).alias("birth_date"),
            pl.when(pl.col("ok"))
            .then(
                pl.when(pl.col("body").str.slice(16, 1).cast(pl.Int8, strict=False) % 2 == 1)
                .then(pl.lit("M"))
                .otherwise(pl.lit("F"))
            )
            .alias("gender"),
            "reason",
        )
        .collect()
    )
    return frame


def check_digit(body: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check character of a 17-digit body (null if not 17 digits)."""
    # 17 digits fit in a UInt64 (< 1.8e19): integer arithmetic beats 17 string slices.
    n = pl.when(body.str.contains(r"^[0-9]{17}$")).then(body.cast(pl.UInt64, strict=False))
    total = pl.sum_horizontal([(n // (10 ** (16 - i)) % 10) * w for i, w in enumerate(_WEIGHTS)])
    return (total % 11).replace_strict(
        list(range(11)), list(_CHECK_CHARS), default=None, return_dtype=pl.String
    )


def _masked_form(t: pl.Expr) -> pl.Expr:
    """Canonical masked ID (``*`` for every hidden character) or null if not masked."""
    marked = t.str.replace_all(_MASK_CHARS, "*")
    head = marked.str.slice(0, 17).str.replace_all("X", "*", literal=True)
    canonical = head + marked.str.slice(17, 1)
    return pl.when(marked.str.contains(_MASKED_ID) & head.str.contains("*", literal=True)).then(
        canonical
    )

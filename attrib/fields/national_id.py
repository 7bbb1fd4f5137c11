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
    as_string_series,
    clean_series,
    is_missing,
    split_rows,
)
from attrib.fields._fast import (
    empty,
    fixed_width_column,
    keep_where,
    lookup,
    null_column,
    status_column,
    string_buffers,
    today_key,
    with_residue,
)
from attrib.fields._kernels import (
    CODE_VALID,
    GENDERS,
    ID_CHECK_CHARS,
    ID_WEIGHTS,
    REASONS,
    id18_kernel,
)

# GB/T 2260 province-level codes, incl. 71 Taiwan, 81/82 Hong Kong/Macao and 83 used
# on residence permits for Taiwan residents.
PROVINCE_CODES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83"
).split()

_MASK_CHARS = r"[●•○◯■□◆◇#]"
_MASKED_ID = r"^[0-9*X]{17}[0-9X*]$"
_ID18 = r"^[0-9]{17}[0-9X]$"
_ID15 = r"^[0-9]{15}$"
# Bodies (first 17 digits) of IDs whose first digit is 1-8, as numbers.
_REGION_RANGE = (10**16, 9 * 10**16 - 1)


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
    raw = as_string_series(s)
    # Nearly every row of a real list is already 18 plain characters: one pass over the
    # bytes checks those (region, birth date, check digit); separators, lower-case x,
    # 15-digit cards and masks take the general rules.
    offsets, data, null = string_buffers(raw)
    n = null.size
    codes, reasons, genders, born_data = empty(n), empty(n), empty(n), empty(10 * n)
    id18_kernel(offsets, data, null, today_key(), codes, reasons, genders, born_data)
    valid = codes == CODE_VALID
    frame = pl.DataFrame(
        [
            keep_where("value", raw, valid),
            status_column(codes),
            null_column("masked", n),
            fixed_width_column("birth_date", born_data, valid, 10),
            lookup("gender", GENDERS, genders),
            lookup("reason", REASONS, reasons),
        ]
    )
    return with_residue(frame, codes, raw, _general)


def _general(s: pl.Series) -> pl.DataFrame:
    """Every rule of the module docstring, for raw values (what the kernel leaves)."""
    cleaned = clean_series(s)
    # 18 plain characters go straight to the checks; separators, lower-case x,
    # 15-digit cards and masks take a detour.
    return split_rows(
        cleaned.str.contains(_ID18),
        lambda rows: _checked(cleaned.gather(rows)),
        lambda rows: _unusual(cleaned.gather(rows)),
    )


def _checked(t: pl.Series) -> pl.DataFrame:
    """The result for candidate 18-character IDs (anything else is a format error)."""
    today = dt.date.today()
    body, number = pl.col("body"), pl.col("number")
    return (
        pl.DataFrame({"t": t})
        .lazy()
        .with_columns(
            pl.when(pl.col("t").str.contains(_ID18))
            .then(pl.col("t").str.slice(0, 17))
            .alias("body")
        )
        .with_columns(
            # Computed once here: check_digit reads it 17 times.
            body.cast(pl.UInt64, strict=False).alias("number"),
            body.str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("born"),
        )
        .with_columns(check_digit(number).alias("expected"))
        .with_columns(
            pl.when(body.is_null())
            .then(pl.lit("format"))
            .when(~number.is_between(*_REGION_RANGE))
            .then(pl.lit("region"))
            .when(
                pl.col("born").is_null()
                | (pl.col("born") < dt.date(1900, 1, 1))
                | (pl.col("born") > today)
            )
            .then(pl.lit("birth_date"))
            .when(pl.col("t").str.slice(17, 1) != pl.col("expected"))
            .then(pl.lit("check_digit"))
            .alias("reason")
        )
        .with_columns(pl.col("reason").is_null().alias("ok"))
        .select(
            pl.when(pl.col("ok")).then(pl.col("t")).alias("value"),
            pl.when(pl.col("ok")).then(pl.lit(VALID)).otherwise(pl.lit(INVALID)).alias("status"),
            pl.lit(None, dtype=pl.String).alias("masked"),
            pl.when(pl.col("ok")).then(pl.col("born").dt.to_string("%Y-%m-%d")).alias("birth_date"),
            # The 17th digit (odd: male) is the last digit of the body.
            pl.when(pl.col("ok"))
            .then(pl.when(number % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("F")))
            .alias("gender"),
            "reason",
        )
        .collect()
    )


def _unusual(cleaned: pl.Series) -> pl.DataFrame:
    """Rows that are not 18 plain characters: tidy, upgrade or recognise, then check."""
    tidy = cleaned.str.replace_all(r"[\s\-]", "").str.to_uppercase()
    frame = pl.DataFrame(
        {
            "missing": pl.select(is_missing(pl.lit(cleaned))).to_series(),
            "masked": _masked_form(tidy),
            "t": _upgrade_15(tidy),
        }
    )
    result = _checked(frame["t"])
    settled = pl.col("missing") | pl.col("masked").is_not_null()
    return (
        pl.concat(
            [frame.select("missing", pl.col("masked").alias("mask")), result], how="horizontal"
        )
        .lazy()
        .select(
            pl.when(~settled).then(pl.col("value")).alias("value"),
            pl.when(pl.col("missing"))
            .then(pl.lit(MISSING))
            .when(pl.col("mask").is_not_null())
            .then(pl.lit(MASKED))
            .otherwise(pl.col("status"))
            .alias("status"),
            pl.when(~pl.col("missing")).then(pl.col("mask")).alias("masked"),
            pl.when(~settled).then(pl.col("birth_date")).alias("birth_date"),
            pl.when(~settled).then(pl.col("gender")).alias("gender"),
            pl.when(~settled).then(pl.col("reason")).alias("reason"),
        )
        .collect()
    )


def _upgrade_15(t: pl.Series) -> pl.Series:
    """First-generation 15-digit numbers as 18-character IDs (``19`` + check digit)."""
    body = pl.col("t").str.slice(0, 6) + pl.lit("19") + pl.col("t").str.slice(6, 9)
    return (
        pl.DataFrame({"t": t})
        .lazy()
        .with_columns(pl.when(pl.col("t").str.contains(_ID15)).then(body).alias("body"))
        .with_columns(pl.col("body").cast(pl.UInt64, strict=False).alias("number"))
        .select(
            pl.when(pl.col("body").is_not_null())
            .then(pl.col("body") + check_digit(pl.col("number")))
            .otherwise(pl.col("t"))
            .alias("t")
        )
        .collect()
        .to_series()
    )


def check_digit(number: pl.Expr) -> pl.Expr:
    """ISO 7064 MOD 11-2 check character of a 17-digit body given as a UInt64.

    17 digits fit in a UInt64 (< 1.8e19), and integer arithmetic on one column is several
    times faster than 17 string slices. Pass a column, not an expression to compute: an
    eager context would recompute it for every digit.

    Args:
        number: UInt64 expression of the first 17 digits (null passes through).

    Returns:
        A String expression: ``0``-``9`` or ``X``.
    """
    total = sum((number // (10 ** (16 - i)) % 10) * w for i, w in enumerate(ID_WEIGHTS))
    return (total % 11).replace_strict(
        list(range(11)), list(ID_CHECK_CHARS), default=None, return_dtype=pl.String
    )


def _masked_form(t: pl.Series) -> pl.Series:
    """Canonical masked IDs (``*`` for every hidden character), null where not masked."""
    marked = t.str.replace_all(_MASK_CHARS, "*")
    head = marked.str.slice(0, 17).str.replace_all("X", "*", literal=True)
    is_masked = marked.str.contains(_MASKED_ID) & head.str.contains("*", literal=True)
    return pl.select(pl.when(is_masked).then(head + marked.str.slice(17, 1))).to_series()

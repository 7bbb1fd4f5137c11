"""Frame utilities shared by the readers: string casting, blanks, headers, batching."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import polars as pl

from attrib.io.header import SAMPLE_ROWS, column_names, decide_header, positional_names

# A float is written as an integer when it is whole and exactly representable: phones
# and IDs stored as numbers must not become "13812345678.0" or "1.38e10".
_MAX_EXACT_FLOAT = 2.0**53
_MIDNIGHT = r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(?:\.0+)?$"


def series_to_string(s: pl.Series) -> pl.Series:
    """Cast any polars Series to String the way a person would write its values.

    Whole floats lose their ``.0``; NaN becomes null; dates become ISO ``YYYY-MM-DD``;
    datetimes ``YYYY-MM-DD HH:MM:SS`` (just the date at midnight); booleans
    ``true``/``false``; binary is decoded as UTF-8 or else written as hex; nested
    values become compact JSON.
    """
    dtype = s.dtype
    if dtype == pl.String:
        return s
    if dtype.is_float():
        frame = s.to_frame("v")
        v = pl.col("v")
        whole = v.is_finite() & (v == v.round(0)) & (v.abs() < _MAX_EXACT_FLOAT)
        out = frame.select(
            pl.when(v.is_nan())
            .then(None)
            .when(whole)
            .then(v.cast(pl.Int64).cast(pl.String))
            .otherwise(v.cast(pl.String))
        )
        return out.to_series().alias(s.name)
    if dtype == pl.Date:
        return s.dt.to_string("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return strip_midnight(s.dt.to_string("%Y-%m-%d %H:%M:%S"))
    if dtype == pl.Binary:
        try:
            return s.cast(pl.String)
        except pl.exceptions.PolarsError:
            return s.bin.encode("hex")
    if dtype.is_nested() or dtype == pl.Object:
        return pl.Series(s.name, [_json_text(v) for v in s.to_list()], dtype=pl.String)
    return s.cast(pl.String)


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def strip_midnight(s: pl.Series) -> pl.Series:
    """Turn ``1990-01-02 00:00:00`` into ``1990-01-02`` (dates stored as datetimes)."""
    return s.str.replace(_MIDNIGHT, "${1}")


def to_strings(df: pl.DataFrame) -> pl.DataFrame:
    """Cast every column to String and make empty strings null."""
    return blanks_to_null(pl.DataFrame([series_to_string(s) for s in df.get_columns()]))


def blanks_to_null(df: pl.DataFrame) -> pl.DataFrame:
    """Make empty strings null, so an empty cell means the same in every format."""
    if df.width == 0:
        return df
    return df.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())


def non_empty(df: pl.DataFrame) -> pl.Expr:
    """An expression true for rows with at least one non-null cell."""
    return pl.any_horizontal(pl.all().is_not_null()) if df.width else pl.lit(False)


def drop_empty_rows(df: pl.DataFrame) -> pl.DataFrame:
    """Drop rows whose every cell is null (blank lines, empty spreadsheet rows)."""
    if df.width == 0:
        return df
    return df.filter(non_empty(df))


def positional(df: pl.DataFrame) -> pl.DataFrame:
    """Rename a frame's columns to ``col1..colN`` (the reader's names are arbitrary)."""
    return df.rename(dict(zip(df.columns, positional_names(df.width), strict=True)))


def header_choice(
    head: pl.DataFrame, has_header: bool | None
) -> tuple[bool, list[str], str | None]:
    """Decide the header of a positional frame from its first rows.

    Args:
        head: The first rows (blank rows already dropped), columns ``col1..colN``.
        has_header: Force the decision (True/False) or None to detect it.

    Returns:
        ``(has_header, column names, note)``.
    """
    first = list(head.row(0)) if head.height else [None] * head.width
    if has_header is None:
        below = head.slice(1, SAMPLE_ROWS).rows()
        has_header, note = decide_header(first, below)
    else:
        note = "header given by the caller" if has_header else "no header, as the caller said"
    names = column_names(first) if has_header else positional_names(head.width)
    return has_header, names, note


def apply_header(df: pl.DataFrame, has_header: bool, names: Sequence[str]) -> pl.DataFrame:
    """Drop the header row (if any) and name the columns."""
    body = df.slice(1) if has_header else df
    return body.rename(dict(zip(body.columns, names, strict=True)))


def rebatch(frames: Iterable[pl.DataFrame], size: int) -> Iterator[pl.DataFrame]:
    """Re-cut a stream of frames into frames of exactly ``size`` rows (the last may be
    shorter), holding at most about two batches in memory."""
    buffer: list[pl.DataFrame] = []
    held = 0
    for frame in frames:
        if frame.height == 0:
            continue
        buffer.append(frame)
        held += frame.height
        while held >= size:
            joined = pl.concat(buffer, rechunk=False) if len(buffer) > 1 else buffer[0]
            yield joined.slice(0, size).rechunk()
            rest = joined.slice(size)
            buffer = [rest] if rest.height else []
            held = rest.height
    if held:
        yield (pl.concat(buffer) if len(buffer) > 1 else buffer[0]).rechunk()

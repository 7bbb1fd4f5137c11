"""Single-pass kernels for values that are already in canonical form: the Python side.

A real list is dominated by one or two clean spellings (``13812345678``,
``11010519491231002X``, ``19900102``, ``张伟``). Each normaliser runs a numba kernel
over the Arrow buffers of its input first: one pass over the bytes decides, per row,
whether the value is of such a plain shape, and if so computes every output column of
the row (check digits, date validity, reasons) itself. Rows it does not recognise are
*residue*: the normaliser's general rules (the polars expressions) run on those rows
only and their results are scattered back. A kernel only takes a row when the general
rules are known to leave its text as it is (printable ASCII and CJK ideographs need no
NFKC), so both paths give the same output, byte for byte.

The kernels themselves are in :mod:`attrib.fields._kernels`. This module holds what
the normalisers need around them: reading a String series as Arrow offsets and bytes,
output memory, building String columns from kernel output, character tables computed
with the regex engine the general rules use, and the merge with the residue.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl
import pyarrow as pa

from attrib.arrays import pool_empty as empty  # noqa: F401 (for the fields modules)
from attrib.fields._common import INVALID, MASKED, MISSING, MISSING_TOKENS, VALID
from attrib.fields._kernels import CJK_HIGH, CJK_LOW, RESIDUE, count_views, leading_number_views

# The status of each kernel status code (``_kernels.CODE_*``); RESIDUE rows are null
# until the general rules fill them in.
STATUS_TABLE = (VALID, INVALID, MASKED, MISSING, None)

_NO_BYTES = np.zeros(0, dtype=np.uint8)


def string_buffers(s: pl.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The Arrow buffers of a String series, for a kernel to read.

    Args:
        s: String series (any number of chunks).

    Returns:
        ``offsets`` (int64, one more than rows: row ``i`` is ``data[offsets[i]:
        offsets[i + 1]]``), ``data`` (the UTF-8 bytes) and ``null`` (bool per row).
    """
    arr = _one_array(s, pl.CompatLevel.oldest(), pa.large_string())
    n = len(arr)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    if offsets.size < n + 1:  # an empty array may come without offsets
        offsets = np.zeros(n + 1, dtype=np.int64)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else _NO_BYTES
    null = s.is_null().to_numpy() if s.null_count() else np.zeros(n, dtype=np.bool_)
    return offsets, data, null


def _one_array(s: pl.Series, compat: pl.CompatLevel, dtype: pa.DataType) -> pa.Array:
    """``s`` as one Arrow array of ``dtype`` (polars' own memory when it has that
    layout: ``string_view`` at the newest compatibility level)."""
    arr = s.to_arrow(compat_level=compat)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr if arr.type == dtype else arr.cast(dtype)


#: Longest value an Arrow string view holds itself (the rest of the view is zeros).
INLINE_BYTES = 12


def string_views(s: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The Arrow string views of a String series, read where polars keeps them.

    Returns:
        ``views``: (rows, 16) uint8, per row its length (4 bytes, native order), its
        first 4 bytes, then for a value of at most ``INLINE_BYTES`` bytes the rest of
        it, zero padded (else where the rest is stored); a null row's view means
        nothing. ``valid``: bool per row, or an empty array when no row is null.
    """
    arr = _one_array(s, pl.CompatLevel.newest(), pa.string_view())
    n = len(arr)
    if n == 0:
        return np.zeros((0, 16), dtype=np.uint8), np.zeros(0, dtype=np.bool_)
    views = np.frombuffer(arr.buffers()[1], dtype=np.uint8).reshape(-1, 16)
    views = views[arr.offset : arr.offset + n]
    valid = (s.is_not_null().to_numpy() if arr.null_count
             else np.zeros(0, dtype=np.bool_))
    return views, valid


def count_values(s: pl.Series, values: Sequence[str]) -> list[int]:
    """How many rows of a String series equal each of ``values`` (nulls equal none).

    What ``[(s == v).sum() for v in values]`` gives, in one pass over the series'
    string views: each value must be at most ``INLINE_BYTES`` bytes of UTF-8 (status
    and reason names are), and is then compared as a whole view.
    """
    keys = np.zeros((len(values), 16), dtype=np.uint8)
    for k, value in enumerate(values):
        raw = value.encode("utf-8")
        if len(raw) > INLINE_BYTES:
            raise ValueError(f"{value!r} is longer than {INLINE_BYTES} bytes")
        keys[k, :4] = np.frombuffer(len(raw).to_bytes(4, sys.byteorder), dtype=np.uint8)
        keys[k, 4 : 4 + len(raw)] = np.frombuffer(raw, dtype=np.uint8)
    views, valid = string_views(s)
    out = np.zeros(len(values), dtype=np.int64)
    count_views(np.ascontiguousarray(views).view(np.uint64), valid, keys.view(np.uint64), out)
    return [int(c) for c in out]


def leading_digits(s: pl.Series) -> np.ndarray:
    """The number its first two characters make (0-99) for each row of a String
    series that starts with two ASCII digits, else -1 (nulls included)."""
    views, valid = string_views(s)
    out = np.empty(len(views), dtype=np.int64)
    leading_number_views(views, valid, out)
    return out


def fixed_width_column(name: str, data: np.ndarray, present: np.ndarray, width: int) -> pl.Series:
    """A String series of ``width``-byte values written one after another by a kernel.

    Kernels write only the bytes of the rows that have a value (no offsets), which
    keeps the memory they touch small; the offsets follow from ``present``.

    Args:
        name: Name of the series.
        data: The values' UTF-8 bytes, in row order, ``width`` bytes each.
        present: bool per row: whether the row has a value (else null).
        width: Bytes per value.
    """
    n = present.size
    count = int(np.count_nonzero(present))
    if count == 0:
        return null_column(name, n)
    large = count * width >= 2**31
    offsets = np.zeros(n + 1, dtype=np.int64 if large else np.int32)
    np.cumsum(present, out=offsets[1:])
    offsets *= width
    bitmap = None if count == n else pa.py_buffer(np.packbits(present, bitorder="little"))
    arr = pa.Array.from_buffers(
        pa.large_string() if large else pa.string(),
        n,
        [bitmap, pa.py_buffer(offsets), pa.py_buffer(data[: count * width])],
        null_count=n - count,
    )
    return pl.Series(name, _CArray(arr)).alias(name)


class _CArray:
    """An Arrow array that polars imports through the Arrow C data interface: given a
    ``pyarrow.Array`` itself, polars first imports ``pyarrow.compute`` (25 ms, once)."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __arrow_c_array__(self, requested_schema: object = None) -> tuple[object, object]:
        return self.arr.__arrow_c_array__(requested_schema)


def lookup(name: str, table: Sequence[str | None], codes: np.ndarray) -> pl.Series:
    """A String series whose row ``i`` is ``table[codes[i]]`` (None gives null)."""
    if codes.size and not np.any(codes != codes[0]):
        # One value throughout (a clean column, a reason column without reasons).
        return pl.repeat(table[codes[0]], codes.size, dtype=pl.String, eager=True).alias(name)
    # A Series index: polars takes a numpy one through a path twice as slow.
    return pl.Series(name, list(table), dtype=pl.String).gather(pl.Series(codes))


def status_column(codes: np.ndarray) -> pl.Series:
    """The ``status`` column of kernel status codes (RESIDUE rows null)."""
    return lookup("status", STATUS_TABLE, codes)


def keep_where(name: str, s: pl.Series, keep: np.ndarray) -> pl.Series:
    """``s`` where ``keep`` is true, null elsewhere (shares ``s``'s string data)."""
    return pl.select(pl.when(pl.Series(keep)).then(s).alias(name)).to_series()


def null_column(name: str, n: int) -> pl.Series:
    """An all-null String series of length ``n``."""
    return pl.Series(name, [], dtype=pl.String).extend_constant(None, n)


def with_residue(
    frame: pl.DataFrame,
    codes: np.ndarray,
    s: pl.Series,
    general: Callable[[pl.Series], pl.DataFrame],
) -> pl.DataFrame:
    """``frame`` with its RESIDUE rows replaced by ``general`` applied to those rows.

    Args:
        frame: The kernel's result, aligned with ``s`` (RESIDUE rows arbitrary).
        codes: Kernel status codes per row.
        s: The raw values.
        general: The complete rules, for raw values; must return ``frame``'s columns.

    Returns:
        One frame with every row settled, in row order.
    """
    rest = np.flatnonzero(codes == RESIDUE)
    if rest.size == 0:
        return frame
    if rest.size == codes.size:
        return general(s)
    part = general(s.gather(rest))
    return pl.DataFrame([frame[c].clone().scatter(rest, part[c]) for c in frame.columns])


@functools.cache
def cjk_table(pattern: str) -> np.ndarray:
    """Whether each CJK Unified Ideograph matches ``pattern`` (polars' regex engine).

    Kernels compare characters against the same Unicode tables as the general rules'
    regexes, whatever Unicode version polars was built with.

    Args:
        pattern: A regex for one character (anchored by the caller as needed).

    Returns:
        A bool array indexed by code point - ``CJK_LOW``.
    """
    chars = pl.Series([chr(c) for c in range(CJK_LOW, CJK_HIGH + 1)], dtype=pl.String)
    return chars.str.contains(pattern).to_numpy().astype(np.bool_)


def chars_mask(chars: Sequence[str]) -> np.ndarray:
    """A CJK table that is true for the ideographs in ``chars`` (others ignored)."""
    table = np.zeros(CJK_HIGH - CJK_LOW + 1, dtype=np.bool_)
    for ch in chars:
        if len(ch) == 1 and CJK_LOW <= ord(ch) <= CJK_HIGH:
            table[ord(ch) - CJK_LOW] = True
    return table


@functools.cache
def missing_tokens() -> tuple[np.ndarray, np.ndarray]:
    """``MISSING_TOKENS`` as UTF-8 bytes and offsets, for ``_kernels.is_token``."""
    encoded = [t.encode("utf-8") for t in MISSING_TOKENS]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    return offsets, np.frombuffer(b"".join(encoded), dtype=np.uint8).copy()


def today_key() -> int:
    """Today as ``yyyymmdd`` (``_kernels.date_key``), for kernels to compare dates with."""
    today = dt.date.today()
    return today.year * 10000 + today.month * 100 + today.day

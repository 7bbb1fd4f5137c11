"""Parquet files via pyarrow: metadata first, then whole-file or batched reads."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from attrib.io._fail import translated
from attrib.io.frames import to_strings

INVALID = "not a valid Parquet file"


def open_parquet(path: str) -> pq.ParquetFile:
    """Open a Parquet file and read its footer (row count, schema).

    Raises:
        InputError: Not Parquet, or truncated (the footer is at the end).
    """
    with translated(path, INVALID):
        return pq.ParquetFile(path)


def row_count(pf: pq.ParquetFile) -> int:
    """The number of rows recorded in the footer."""
    return int(pf.metadata.num_rows)


def column_names(pf: pq.ParquetFile) -> list[str]:
    """The top-level column names in file order."""
    return list(pf.schema_arrow.names)


def read_all(path: str, pf: pq.ParquetFile) -> pl.DataFrame:
    """Read every row, cast to strings (columns keep the file's names).

    Raises:
        InputError: A damaged page or an unreadable column.
    """
    with translated(path, f"{INVALID} (damaged data pages)"):
        table = pf.read()
        return to_strings(_from_arrow(table))


def read_batches(path: str, pf: pq.ParquetFile, batch_rows: int) -> Iterator[pl.DataFrame]:
    """Yield string frames of at most ``batch_rows`` rows, one record batch at a time."""
    names = column_names(pf)
    groups = [pf.metadata.row_group(i).num_rows for i in range(pf.metadata.num_row_groups)]
    with translated(path, f"{INVALID} (damaged data pages)"):
        if (len(set(names)) == len(names) and _flat(pf.schema_arrow)
                and max(groups, default=0) <= 2 * batch_rows):
            # polars' own reader decodes a row group's columns in parallel straight into
            # its string layout (several times faster than pyarrow batches converted
            # frame by frame); whole row groups are read, one batch at a time.
            scan = pl.scan_parquet(path).select(
                pl.nth(i).alias(f"c{i}") for i in range(len(names)))
            for offset, length in _spans(groups, batch_rows):
                yield to_strings(scan.slice(offset, length).collect())
            return
        for batch in pf.iter_batches(batch_size=batch_rows):
            yield to_strings(_from_arrow(pa.Table.from_batches([batch])))


def _spans(groups: list[int], batch_rows: int) -> Iterator[tuple[int, int]]:
    """(offset, rows) of consecutive whole row groups of at most ``batch_rows`` rows
    (or one larger group)."""
    offset = length = 0
    for size in groups:
        if length and length + size > batch_rows:
            yield offset, length
            offset, length = offset + length, 0
        length += size
    if length:
        yield offset, length


def _flat(schema: pa.Schema) -> bool:
    """Whether every column is a plain scalar (polars reads those as pyarrow would)."""
    return not any(pa.types.is_nested(f.type) or pa.types.is_dictionary(f.type)
                   for f in schema)


def _from_arrow(table: pa.Table) -> pl.DataFrame:
    # Duplicate names are legal in Parquet but not in polars: read positionally and
    # let the caller restore (deduplicated) names.
    renamed = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
    frame = pl.from_arrow(renamed)
    if not isinstance(frame, pl.DataFrame):  # a single column may come back as a Series
        frame = frame.to_frame()
    return frame

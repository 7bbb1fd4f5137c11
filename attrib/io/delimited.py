"""CSV and TSV: delimiter sniffing, polars reading, and a tolerant fallback.

polars reads well-formed files fast. It rejects two things real exports contain: a
stray quote inside an unquoted field (``5'3"``), and rows with trailing empty fields
beyond the header's width. For those the Python csv module re-reads the file: a stray
quote is kept as text, trailing empty fields are dropped. A row with extra *non-empty*
fields is ragged: that is an error naming its line, never silently truncated.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from attrib.io._fail import LIBRARY_ERRORS, fail
from attrib.io.encoding import Utf8View, text_sample
from attrib.io.frames import blanks_to_null, positional
from attrib.io.header import positional_names

DELIMITERS = (",", "\t", ";", "|")
_SNIFF_ROWS = 200
_CONSISTENT = 0.9  # share of sample rows that must agree on the field count
_FALLBACK_ROWS = 100_000  # rows per frame built by the csv-module reader
NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}


@dataclass(frozen=True)
class Dialect:
    """How to split a delimited file, and whether polars can read it directly."""

    delimiter: str
    tolerant: bool = False  # read with the csv module (stray quotes, trailing fields)


def sniff_delimiter(view: Utf8View, fmt: str) -> tuple[str, str]:
    """Choose the delimiter among comma, tab, semicolon and pipe.

    Each candidate parses the first 64 KiB with the csv module in strict mode (so a
    quote followed by anything but a delimiter rejects it). Among candidates giving at
    least two fields on 90% of rows, the one giving the most fields wins; ties go to
    the order comma, tab, semicolon, pipe. A ``.tsv`` file keeps tab whenever tab
    qualifies. Without any qualifying candidate the file has a single column.

    Returns:
        ``(delimiter, note)``.
    """
    sample, truncated = text_sample(view)
    default = "\t" if fmt == "tsv" else ","
    scores = {d: _score(sample, d, truncated) for d in DELIMITERS}
    good = {d: s for d, s in scores.items() if s is not None and s[1] >= 2}
    consistent = {d: s for d, s in good.items() if s[0] >= _CONSISTENT}
    if fmt == "tsv" and "\t" in consistent:
        return "\t", "delimiter tab"
    pool = consistent or good
    if not pool:
        return default, "single column (no delimiter found)"
    best = max(pool, key=lambda d: (pool[d][1], pool[d][0], -DELIMITERS.index(d)))
    return best, f"delimiter {NAMES[best]} (sniffed)"


def _score(sample: str, delimiter: str, truncated: bool) -> tuple[float, int] | None:
    """Return (share of rows with the modal field count, modal count) or None if the
    sample is not valid CSV with this delimiter."""
    counts: list[int] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=True)
    try:
        for record in reader:
            if record:
                counts.append(len(record))
            if len(counts) >= _SNIFF_ROWS:
                break
    except csv.Error:
        # The sample may end inside a quoted field; anything else is a real misparse.
        if not (truncated and counts):
            return None
        counts = counts[:-1] or counts
    if not counts:
        return None
    modal, n = Counter(counts).most_common(1)[0]
    return n / len(counts), modal


def check_line_endings(path: str, view: Utf8View) -> None:
    """Reject classic-Mac files (CR only): every row would merge into one."""
    sample, _ = text_sample(view)
    if "\r" in sample and "\n" not in sample and sample.count("\r") > 1:
        raise fail(path, "uses CR-only line endings; convert them to LF or CRLF") from None


def _scan(view: Utf8View, delimiter: str) -> pl.LazyFrame:
    """A lazy polars scan of the UTF-8 view: no header, every field a string."""
    return pl.scan_csv(
        view.path,
        has_header=False,
        separator=delimiter,
        quote_char='"',
        infer_schema=False,
        encoding="utf8",
        raise_if_empty=False,
        glob=False,  # "客户[2023].csv" is a file name, not a pattern
    )


def read_positional(
    path: str, view: Utf8View, dialect: Dialect, n_rows: int | None = None
) -> tuple[pl.DataFrame, Dialect]:
    """Read a delimited file into a frame of strings named ``col1..colN``.

    Blank rows are dropped and empty cells are null. Falls back to the tolerant reader
    when polars rejects the file.

    Args:
        path: The user's path (for messages).
        view: The UTF-8 view of the file.
        dialect: The delimiter (and whether to use the tolerant reader straight away).
        n_rows: Read at most this many non-blank records (None: all).

    Returns:
        The frame and the dialect actually used.

    Raises:
        InputError: Ragged rows or malformed quoting.
    """
    if not dialect.tolerant:
        try:
            lf = _lazy_clean(_scan(view, dialect.delimiter))
            if n_rows is not None:
                lf = lf.head(n_rows)  # blank rows are filtered first, so they do not count
            return positional(lf.collect()), dialect
        except LIBRARY_ERRORS:
            pass  # polars' messages quote cells; diagnose with the csv module instead
    dialect = Dialect(dialect.delimiter, tolerant=True)
    frames = list(_tolerant_frames(path, view, dialect.delimiter, n_rows))
    return pl.concat(frames, how="vertical"), dialect


def count_rows(path: str, view: Utf8View, dialect: Dialect) -> tuple[int, Dialect]:
    """Count non-blank records in one validating pass (polars, else the csv module).

    Returns:
        The count (header row included) and the dialect that parsed the whole file.
    """
    if not dialect.tolerant:
        try:
            lf = _scan(view, dialect.delimiter)
            lf = _lazy_clean(lf)
            count = lf.select(pl.len()).collect(engine="streaming").item()
            return int(count), dialect
        except LIBRARY_ERRORS:
            pass
    dialect = Dialect(dialect.delimiter, tolerant=True)
    total = sum(f.height for f in _tolerant_frames(path, view, dialect.delimiter, None))
    return total, dialect


def _lazy_clean(lf: pl.LazyFrame) -> pl.LazyFrame:
    cleaned = pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep()
    return lf.with_columns(cleaned).filter(pl.any_horizontal(pl.all().is_not_null()))


def stream_positional(
    path: str, view: Utf8View, dialect: Dialect, batch_rows: int
) -> Iterator[pl.DataFrame]:
    """Yield cleaned positional frames of the whole file, in order, roughly batch-sized."""
    if dialect.tolerant:
        yield from _tolerant_frames(path, view, dialect.delimiter, None, batch_rows)
        return
    lf = _lazy_clean(_scan(view, dialect.delimiter))
    with warnings.catch_warnings():
        # collect_batches is marked unstable; its contract (ordered chunks) is all we use.
        warnings.simplefilter("ignore")
        batches = lf.collect_batches(chunk_size=batch_rows, maintain_order=True)
    try:
        for frame in batches:
            yield positional(frame)
    except LIBRARY_ERRORS:
        raise fail(path, "the file changed or became unreadable while being read") from None


def _tolerant_frames(
    path: str,
    view: Utf8View,
    delimiter: str,
    n_rows: int | None,
    batch: int = _FALLBACK_ROWS,
) -> Iterator[pl.DataFrame]:
    """Parse with the csv module (strict quoting), yielding cleaned positional frames.

    Trailing empty fields beyond the first record's width are dropped; short records
    are padded with nulls (as polars does); wider records are a ragged-row error.
    """
    # The csv module refuses fields over 128 KiB by default; a long free-text field is
    # not malformed quoting, so lift the (process-wide, only ever raised) limit.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    width: int | None = None
    rows: list[list[str]] = []
    seen = 0
    start_line = 1
    try:
        with open(view.path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=True)
            for record in reader:
                line, start_line = start_line, reader.line_num + 1
                if not record or all(f == "" for f in record):
                    continue
                width = len(record) if width is None else width
                rows.append(_fit(path, record, width, line))
                seen += 1
                if len(rows) >= batch:
                    yield _frame(rows, width)
                    rows = []
                if n_rows is not None and seen >= n_rows:
                    break
    except csv.Error:
        raise fail(path, f"malformed quoting in the record starting on line {start_line}") from None
    except OSError:
        raise fail(path, "the file became unreadable while being read") from None
    if rows or width is None:
        yield _frame(rows, width or 0)


def _fit(path: str, record: list[str], width: int, line: int) -> list[str]:
    if len(record) > width:
        if any(record[width:]):
            raise fail(
                path,
                f"line {line} has {len(record)} fields but the first row has {width} "
                "(ragged rows; check the delimiter and quoting)",
            ) from None
        return record[:width]
    return record + [""] * (width - len(record))


def _frame(rows: list[list[str]], width: int) -> pl.DataFrame:
    names = positional_names(width)
    df = pl.DataFrame(rows, schema=dict.fromkeys(names, pl.String), orient="row")
    return blanks_to_null(df)

"""read_table and iter_batches: dispatch by format and assemble TableInfo."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import chain

import polars as pl

from attrib.errors import UsageError
from attrib.io import delimited, excel, guard, jsonfmt, parquet
from attrib.io._fail import fail
from attrib.io.encoding import Encoding, Utf8View, open_view, text_sample
from attrib.io.files import FORMATS, Digest, check_file, digest_file, format_of
from attrib.io.frames import apply_header, header_choice, rebatch
from attrib.io.header import SAMPLE_ROWS, column_names
from attrib.io.info import TableInfo

_TEXT_FORMATS = {"csv", "tsv", "txt", "jsonl", "json"}
TOLERANT_NOTE = "read with the tolerant CSV parser (stray quotes or trailing empty fields)"


@dataclass(frozen=True)
class Options:
    """What the caller asked for."""

    sheet: str | None = None
    max_rows: int | None = None
    encoding: str | None = None
    has_header: bool | None = None
    delimiter: str | None = None


@dataclass
class Draft:
    """TableInfo fields gathered while reading, before the frame is final."""

    path: str
    format: str
    digest: Digest
    encoding: str | None = None
    delimiter: str | None = None
    has_header: bool = True
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def note(self, text: str | None) -> None:
        """Record a decision, if there is one."""
        if text:
            self.notes.append(text)

    def info(self, rows: int, columns: list[str]) -> TableInfo:
        """Freeze into a TableInfo."""
        return TableInfo(
            path=self.path,
            format=self.format,
            encoding=self.encoding,
            delimiter=self.delimiter,
            has_header=self.has_header,
            sheet=self.sheet,
            sheets=list(self.sheets),
            rows=rows,
            columns=list(columns),
            sha256=self.digest.sha256,
            size_bytes=self.digest.size,
            notes=list(self.notes),
        )


def read_table(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    max_rows: int | None = None,
    encoding: str | None = None,
    has_header: bool | None = None,
    delimiter: str | None = None,
) -> tuple[pl.DataFrame, TableInfo]:
    """Read a table file into a frame whose every column is ``pl.String``.

    Args:
        path: A ``.csv``, ``.tsv``, ``.txt``, ``.jsonl``/``.ndjson``, ``.json``,
            ``.parquet`` or ``.xlsx`` file.
        sheet: The worksheet of an XLSX file (default: the one with the most rows).
        max_rows: Refuse files with more data rows than this.
        encoding: A text encoding that overrides detection (e.g. ``"gbk"``).
        has_header: Force (True) or deny (False) a header row instead of detecting it.
        delimiter: The field separator of a CSV/TSV/TXT file instead of sniffing it.

    Returns:
        The frame (empty cells null; blank CSV/XLSX rows dropped) and its TableInfo.

    Raises:
        InputError: The file is missing, unreadable, empty, malformed or too large; the
            message is one line naming the file and never quotes its contents.
        UsageError: ``max_rows`` is negative or ``delimiter`` is not one character.
    """
    if max_rows is not None and max_rows < 0:
        raise UsageError(f"--max-rows must be 0 or more, not {max_rows}")
    _check_delimiter(delimiter)
    opts = Options(sheet, max_rows, encoding, has_header, delimiter)
    draft = _start(os.fspath(path), opts)
    frame = _READERS[draft.format](draft, opts)
    _check_shape(draft.path, frame.height, frame.width)
    return frame, draft.info(frame.height, frame.columns)


def iter_batches(
    path: str | os.PathLike[str],
    *,
    batch_rows: int = 250_000,
    sheet: str | None = None,
    encoding: str | None = None,
    has_header: bool | None = None,
    delimiter: str | None = None,
    read_while_hashing: bool = False,
) -> tuple[TableInfo, Iterator[pl.DataFrame]]:
    """Read a table file as a stream of String frames of ``batch_rows`` rows each.

    Memory is bounded by about two batches for Parquet (pyarrow row batches), CSV/TSV
    (polars streaming; non-UTF-8 text is first transcoded in 1 MiB chunks to a private
    temporary file) and JSON Lines. JSON documents and XLSX workbooks are loaded whole.
    The TableInfo is complete (row count included): CSV and JSON Lines are validated
    and counted in a first pass, so errors surface here, not halfway through.

    Args:
        path: The file, as for :func:`read_table`.
        batch_rows: Rows per batch; every batch but the last has exactly this many.
        sheet: The worksheet of an XLSX file.
        encoding: A text encoding that overrides detection.
        has_header: Force or deny a header row.
        delimiter: The field separator of a CSV/TSV/TXT file instead of sniffing it.
        read_while_hashing: For a Parquet file, decode the first batch while the file
            is hashed, before returning (for a caller that reads the batches at once;
            a damaged first batch is then reported here).

    Returns:
        ``(info, batches)``. The concatenated batches equal :func:`read_table`'s frame.

    Raises:
        InputError: As for :func:`read_table`, raised before any batch is produced.
        UsageError: ``batch_rows`` is not positive or ``delimiter`` not one character.
    """
    if batch_rows < 1:
        raise UsageError(f"batch size must be at least 1, not {batch_rows}")
    _check_delimiter(delimiter)
    opts = Options(sheet, None, encoding, has_header, delimiter)
    path = os.fspath(path)
    if read_while_hashing and FORMATS.get(os.path.splitext(path)[1].lower()) == "parquet":
        return _stream_parquet_hashing(path, opts, batch_rows)
    draft = _start(path, opts)
    streamer = _STREAMERS.get(draft.format)
    if streamer is None:  # whole-file formats
        frame = _READERS[draft.format](draft, opts)
        _check_shape(draft.path, frame.height, frame.width)
        info = draft.info(frame.height, frame.columns)
        return info, rebatch([frame], batch_rows)
    rows, columns, frames = streamer(draft, opts, batch_rows)
    _check_shape(draft.path, rows, len(columns))
    return draft.info(rows, columns), rebatch(frames, batch_rows)


def _start(path: str, opts: Options, *, digest: Digest | None = None) -> Draft:
    """Check the file, choose its format and hash it (validating UTF-8 on the way), or
    take the ``digest`` the caller is computing (size only, the hash filled in later)."""
    check_file(path)
    fmt = format_of(path)
    if digest is None:
        digest = digest_file(path, check_utf8=fmt in _TEXT_FORMATS)
    if digest.size == 0:
        raise fail(path, "file is empty") from None
    guard.check_whole_file(path, fmt, digest.size)  # JSON documents, workbooks: no bombs
    draft = Draft(path, fmt, digest)
    if opts.sheet is not None and fmt != "xlsx":
        draft.note("sheet option ignored: not a workbook")
    if opts.delimiter is not None and fmt not in ("csv", "tsv", "txt"):
        draft.note("delimiter option ignored: not a delimited text file")
    return draft


def _check_delimiter(delimiter: str | None) -> None:
    # polars splits on a single byte, so the delimiter must be one ASCII character.
    if delimiter is not None and (
        len(delimiter) != 1 or not delimiter.isascii() or delimiter in '"\r\n'
    ):
        raise UsageError("--delimiter must be one ASCII character other than a quote or newline")


def _check_shape(path: str, rows: int, width: int) -> None:
    if rows == 0:
        raise fail(path, "no data rows") from None
    if width == 0:
        raise fail(path, "no columns") from None


def _check_limit(path: str, rows: int, max_rows: int | None) -> None:
    if max_rows is not None and rows > max_rows:
        raise fail(path, f"{max_rows + 1}+ rows exceeds --max-rows {max_rows}") from None


# --- text -----------------------------------------------------------------------------


def _open_text(draft: Draft, opts: Options) -> tuple[Utf8View, Encoding]:
    view, enc = open_view(draft.path, draft.digest, opts.encoding)
    draft.encoding = enc.name
    draft.note(enc.note)
    sample, truncated = text_sample(view)
    if not truncated and not sample.strip():
        view.close()
        raise fail(draft.path, "file is empty") from None
    return view, enc


def _delimited_setup(draft: Draft, opts: Options, view: Utf8View) -> delimited.Dialect:
    delimited.check_line_endings(draft.path, view)
    if opts.delimiter is not None:
        delimiter, note = opts.delimiter, "delimiter given by the caller"
    else:
        delimiter, note = delimited.sniff_delimiter(view, draft.format)
    draft.delimiter = delimiter
    if draft.format == "txt":
        draft.format = "tsv" if delimiter == "\t" else "csv"
    draft.note(note)
    return delimited.Dialect(delimiter)


def _read_delimited(draft: Draft, opts: Options) -> pl.DataFrame:
    view, _ = _open_text(draft, opts)
    with view:
        dialect = _delimited_setup(draft, opts, view)
        # Enough rows to see one past the limit (plus a header), and never fewer than the
        # header decision samples, so the decision is the same with or without a limit.
        limit = None if opts.max_rows is None else max(opts.max_rows + 2, SAMPLE_ROWS + 1)
        raw, dialect = delimited.read_positional(draft.path, view, dialect, limit)
    frame = _headed(draft, opts, raw)
    if dialect.tolerant:
        draft.note(TOLERANT_NOTE)
    return frame


def _headed(draft: Draft, opts: Options, raw: pl.DataFrame) -> pl.DataFrame:
    """Decide the header of a positional frame, apply it and enforce max_rows."""
    draft.has_header, names, note = header_choice(raw.head(SAMPLE_ROWS + 1), opts.has_header)
    draft.note(note)
    frame = apply_header(raw, draft.has_header, names)
    _check_limit(draft.path, frame.height, opts.max_rows)
    return frame


def _stream_delimited(
    draft: Draft, opts: Options, batch_rows: int
) -> tuple[int, list[str], Iterator[pl.DataFrame]]:
    view, _ = _open_text(draft, opts)
    try:
        dialect = _delimited_setup(draft, opts, view)
        head, dialect = delimited.read_positional(draft.path, view, dialect, SAMPLE_ROWS + 1)
        draft.has_header, names, note = header_choice(head, opts.has_header)
        draft.note(note)
        total, dialect = delimited.count_rows(draft.path, view, dialect)
    except BaseException:
        view.close()
        raise
    if dialect.tolerant:
        draft.note(TOLERANT_NOTE)
    rows = max(total - int(draft.has_header), 0) if head.height else 0
    frames = delimited.stream_positional(draft.path, view, dialect, batch_rows)
    named = _named(_skip_first_row(frames, draft.has_header), names)
    return rows, names, _closing(named, view)


def _skip_first_row(frames: Iterable[pl.DataFrame], skip: bool) -> Iterator[pl.DataFrame]:
    for frame in frames:
        if skip and frame.height:
            frame, skip = frame.slice(1), False
        yield frame


def _named(frames: Iterable[pl.DataFrame], names: list[str]) -> Iterator[pl.DataFrame]:
    for frame in frames:
        yield frame.rename(dict(zip(frame.columns, names, strict=True)))


def _closing(frames: Iterator[pl.DataFrame], view: Utf8View) -> Iterator[pl.DataFrame]:
    """Yield from ``frames`` and delete the temporary UTF-8 copy when done."""
    try:
        yield from frames
    finally:
        view.close()


# --- JSON -----------------------------------------------------------------------------


def _read_json(draft: Draft, opts: Options) -> pl.DataFrame:
    view, _ = _open_text(draft, opts)
    with view:
        if draft.format == "jsonl":
            limit = None if opts.max_rows is None else opts.max_rows + 1  # one too many
            parsed = jsonfmt.scan_lines(draft.path, view, limit)
        else:
            parsed = jsonfmt.parse_document(draft.path, view)
    for note in parsed.notes:
        draft.note(note)
    if parsed.rows is not None:
        return _headed(draft, opts, jsonfmt.rows_frame(parsed.rows, len(parsed.keys)))
    records = parsed.records or []
    _check_shape(draft.path, len(records), len(parsed.keys))  # [{}, {}]: rows, no columns
    _check_limit(draft.path, len(records), opts.max_rows)
    frame = jsonfmt.records_frame(records, parsed.keys)
    return _keyed(draft, frame, parsed.keys)


def _keyed(draft: Draft, frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Name a positional frame after the file's own column names."""
    draft.has_header = True
    names = column_names(keys)
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _stream_jsonl(
    draft: Draft, opts: Options, batch_rows: int
) -> tuple[int, list[str], Iterator[pl.DataFrame]]:
    view, _ = _open_text(draft, opts)
    try:
        keys, count = jsonfmt.count_lines(draft.path, view)
    except BaseException:
        view.close()
        raise
    draft.has_header = True
    names = column_names(keys)
    frames = _named(jsonfmt.line_batches(draft.path, view, keys, batch_rows), names)
    return count, names, _closing(frames, view)


# --- Parquet and XLSX -----------------------------------------------------------------


def _read_parquet(draft: Draft, opts: Options) -> pl.DataFrame:
    pf = parquet.open_parquet(draft.path)
    _check_limit(draft.path, parquet.row_count(pf), opts.max_rows)
    keys = parquet.column_names(pf)
    _check_shape(draft.path, parquet.row_count(pf), len(keys))
    return _keyed(draft, parquet.read_all(draft.path, pf), keys)


def _stream_parquet(
    draft: Draft, opts: Options, batch_rows: int
) -> tuple[int, list[str], Iterator[pl.DataFrame]]:
    pf = parquet.open_parquet(draft.path)
    draft.has_header = True
    names = column_names(parquet.column_names(pf))
    frames = _named(parquet.read_batches(draft.path, pf, batch_rows), names)
    return parquet.row_count(pf), names, frames


def _stream_parquet_hashing(path: str, opts: Options,
                            batch_rows: int) -> tuple[TableInfo, Iterator[pl.DataFrame]]:
    """:func:`iter_batches` of a Parquet file whose first batch is read while the file
    is hashed (hashlib and the decoder release the GIL): the two stood one after the
    other at the start of every sketch. Errors are those of the sequential order; a
    damaged first batch is reported here rather than at the first ``next``."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="attrib-hash") as hasher:
        size = check_file(path)
        hashing = hasher.submit(digest_file, path)
        try:
            draft = _start(path, opts, digest=Digest("", size, False))
            rows, columns, frames = _stream_parquet(draft, opts, batch_rows)
            _check_shape(draft.path, rows, len(columns))
            batches = rebatch(frames, batch_rows)
            first = next(batches, None)
        except BaseException:
            hashing.cancel()
            raise
        draft.digest = hashing.result()
    if draft.digest.size == 0:  # emptied while being read
        raise fail(path, "file is empty") from None
    return draft.info(rows, columns), chain([] if first is None else [first], batches)


def _read_xlsx(draft: Draft, opts: Options) -> pl.DataFrame:
    sheet = excel.read_sheet(draft.path, opts.sheet)
    draft.sheet, draft.sheets = sheet.name, sheet.names
    draft.note(sheet.note)
    if sheet.frame.height == 0:
        raise fail(draft.path, f"sheet '{sheet.name}' is empty") from None
    return _headed(draft, opts, sheet.frame)


_READERS: dict[str, Callable[[Draft, Options], pl.DataFrame]] = {
    "csv": _read_delimited,
    "tsv": _read_delimited,
    "txt": _read_delimited,
    "jsonl": _read_json,
    "json": _read_json,
    "parquet": _read_parquet,
    "xlsx": _read_xlsx,
}
_Streamer = Callable[[Draft, Options, int], tuple[int, list[str], Iterator[pl.DataFrame]]]
_STREAMERS: dict[str, _Streamer] = {
    "csv": _stream_delimited,
    "tsv": _stream_delimited,
    "txt": _stream_delimited,
    "jsonl": _stream_jsonl,
    "parquet": _stream_parquet,
}

__all__ = ["iter_batches", "read_table"]

"""File-level checks: existence, kind, format by extension, and SHA-256."""

from __future__ import annotations

import codecs
import hashlib
import mmap
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from attrib.io._fail import fail

CHUNK = 1 << 20  # 1 MiB: large enough to be fast, small enough to bound memory
# Binary files are only hashed, a mapped window at a time: hashlib releases the GIL for
# the whole window (its page faults included), where every read call gives it back and
# then waits to take it again from a busy thread (0.37 s instead of 0.2 s for 300 MB
# beside the kernels' warm-up). A window is unmapped before the next is mapped.
BINARY_WINDOW = 1 << 28

# Extension -> format. ".txt" is sniffed as CSV or TSV by its delimiter.
FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
}
EXPECTED = "expected .csv, .tsv, .jsonl, .json, .parquet or .xlsx"


def format_of(path: str) -> str:
    """Return the reader format for ``path`` from its extension.

    Raises:
        InputError: The extension is not one attrib reads.
    """
    suffix = Path(path).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    shown = f"'{suffix}'" if suffix else "(no extension)"
    raise fail(path, f"unsupported format {shown} ({EXPECTED})") from None


def check_file(path: str) -> int:
    """Check that ``path`` is a readable, non-empty regular file.

    Returns:
        The file's size in bytes.

    Raises:
        InputError: Missing, a directory, not a regular file, unreadable, or empty.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise fail(path, "no such file") from None
    except PermissionError:
        raise fail(path, "permission denied") from None
    except OSError as exc:
        raise fail(path, f"cannot access the file ({type(exc).__name__})") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail(path, "is a directory, not a file") from None
    if not stat.S_ISREG(st.st_mode):
        # FIFOs and devices would block or never end; attrib needs a stable file to hash.
        raise fail(path, "not a regular file") from None
    if not os.access(path, os.R_OK):
        raise fail(path, "permission denied") from None
    return st.st_size


@dataclass(frozen=True)
class Digest:
    """One streaming pass over a file: its hash, size, and where UTF-8 decoding broke.

    ``utf8_error_line`` is None when the file is valid UTF-8 or was not checked.
    """

    sha256: str
    size: int
    utf8_checked: bool
    utf8_error_line: int | None = None
    utf8_error_byte: int | None = None

    @property
    def utf8(self) -> bool:
        """True when the whole file was checked and is strict UTF-8."""
        return self.utf8_checked and self.utf8_error_byte is None


def digest_file(path: str, *, check_utf8: bool = False) -> Digest:
    """Hash ``path`` in 1 MiB chunks, optionally validating UTF-8 in the same pass.

    Validating here saves a second full read of large UTF-8 files, the common case.

    Args:
        path: The file to read.
        check_utf8: Also decode the bytes as strict UTF-8 (a leading BOM is allowed)
            and record the line and byte offset of the first invalid sequence.

    Raises:
        InputError: The file cannot be read.
    """
    sha = hashlib.sha256()
    checker = _Utf8Checker() if check_utf8 else None
    size = 0
    try:
        with open(path, "rb") as fh:
            if checker is None:
                size = _hash_mapped(fh, sha)
            while chunk := fh.read(CHUNK):
                sha.update(chunk)
                size += len(chunk)
                if checker is not None:
                    checker.feed(chunk)
            if checker is not None:
                checker.feed(b"", final=True)
    except PermissionError:
        raise fail(path, "permission denied") from None
    except OSError as exc:
        raise fail(path, f"cannot read the file ({type(exc).__name__})") from None
    if checker is None:
        return Digest(sha.hexdigest(), size, False)
    return Digest(sha.hexdigest(), size, True, checker.error_line, checker.error_byte)


def _hash_mapped(fh: BinaryIO, sha: Any) -> int:
    """Hash the file behind ``fh`` a mapped window at a time; returns the bytes hashed.

    Stops early, leaving ``fh`` positioned after the hashed bytes, where a file cannot
    be mapped (an empty or special file): the caller reads the rest.
    """
    size = os.fstat(fh.fileno()).st_size
    done = 0
    while done < size:
        length = min(BINARY_WINDOW, size - done)
        try:
            window = mmap.mmap(fh.fileno(), length, offset=done, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            break
        with window:
            sha.update(window)
        done += length
    fh.seek(done)
    return done


class _Utf8Checker:
    """Incremental strict UTF-8 validation that remembers where it first failed."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")("strict")
        self.consumed = 0
        self.lines = 0
        self.error_byte: int | None = None
        self.error_line: int | None = None

    def feed(self, chunk: bytes, *, final: bool = False) -> None:
        if self.error_byte is None:
            pending = self.decoder.getstate()[0]
            try:
                self.decoder.decode(chunk, final)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                self.error_byte = self.consumed - len(pending) + exc.start
                self.error_line = self.lines + data[: exc.start].count(b"\n") + 1
        self.consumed += len(chunk)
        self.lines += chunk.count(b"\n")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of a file, read in 1 MiB chunks.

    Args:
        path: The file to hash.

    Returns:
        64 lower-case hex digits.

    Raises:
        InputError: The file is missing, a directory, or unreadable.
    """
    spath = os.fspath(path)
    try:
        st = os.stat(spath)
    except FileNotFoundError:
        raise fail(spath, "no such file") from None
    except OSError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise fail(spath, "is a directory, not a file") from None
    return digest_file(spath).sha256

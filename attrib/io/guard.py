"""Refuse, before a reader loads them whole, inputs that would exhaust memory.

CSV, TSV, JSON Lines and Parquet are streamed in batches (``iter_batches``), so their
size does not matter. A JSON document and an XLSX workbook are loaded whole by their
readers, so their size is checked first:

* a ``.json`` file larger than :data:`MAX_JSON_BYTES` is refused (Python objects take
  about ten times the text's size);
* an ``.xlsx`` file is a zip archive, and a few megabytes of deflate can unpack to
  gigabytes (a zip bomb). Every member is inflated here, in 1 MiB steps and without
  keeping the output, before calamine sees the file: the workbook is refused when it
  unpacks to more than :data:`MAX_XLSX_UNPACKED` bytes, when a large member expands
  more than :data:`MAX_RATIO` times, or when a member's real size differs from the
  size its header declares (calamine would trust the data, not the header). Sizes are
  measured, not read from the headers, which an attacker writes.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from typing import BinaryIO

from attrib.io._fail import fail

#: A JSON document larger than this (bytes) is refused: convert it to JSON Lines.
MAX_JSON_BYTES = 256 << 20
#: An XLSX whose members unpack to more than this (bytes) in total is refused.
MAX_XLSX_UNPACKED = 1 << 30
#: A member unpacking to more than RATIO_FLOOR bytes may expand at most this many times.
MAX_RATIO = 200
RATIO_FLOOR = 16 << 20
#: More members than this is no spreadsheet.
MAX_MEMBERS = 10_000
_STEP = 1 << 20
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length
_XLSX_INVALID = "not a valid XLSX workbook (damaged, truncated or another format)"
_AS_CSV = "export the sheet as CSV, which attrib streams"


def check_whole_file(path: str, fmt: str, size: int) -> None:
    """Refuse a JSON document or workbook too large (or too inflatable) to load whole.

    Args:
        path: The file, as the user named it.
        fmt: Its reader format (``json``, ``xlsx``, ...); other formats pass.
        size: Its size in bytes.

    Raises:
        InputError: One line naming the file and the limit it exceeds.
    """
    if fmt == "json" and size > MAX_JSON_BYTES:
        raise fail(path, f"refused: a JSON document is loaded whole and this one is "
                         f"{-(-size >> 20)} MiB (limit {MAX_JSON_BYTES >> 20} MiB); convert it "
                         "to JSON Lines (one object per line), which attrib streams") from None
    if fmt == "xlsx":
        check_workbook(path)


def check_workbook(path: str) -> int:
    """Measure what an XLSX unpacks to, refusing zip bombs.

    Returns:
        The total unpacked size in bytes.

    Raises:
        InputError: Not a zip archive, damaged, or beyond the limits above.
    """
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
            members = archive.infolist()
            _check_declared(path, members)
            total = 0
            for info in members:
                total += _unpacked_size(path, fh, info, MAX_XLSX_UNPACKED - total)
            return total
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError,
            ValueError, struct.error):
        raise fail(path, _XLSX_INVALID) from None


def _check_declared(path: str, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS:
        raise fail(path, f"refused: the workbook has {len(members)} parts (limit "
                         f"{MAX_MEMBERS}); {_AS_CSV}") from None
    if sum(m.file_size for m in members) > MAX_XLSX_UNPACKED:
        raise _too_large(path)


def _too_large(path: str) -> Exception:
    return fail(path, f"refused: the workbook unpacks to more than {MAX_XLSX_UNPACKED >> 20} "
                      f"MiB, too much to load whole; {_AS_CSV}")


def _unpacked_size(path: str, fh: BinaryIO, info: zipfile.ZipInfo, budget: int) -> int:
    """Inflate one member without keeping its bytes; check its real size."""
    fh.seek(info.header_offset)
    signature, name_len, extra_len = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
    if signature != b"PK\x03\x04":
        raise fail(path, _XLSX_INVALID) from None
    fh.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_STORED:
        size = info.compress_size  # stored bytes are in the file: no expansion
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        size = _inflate(path, fh, info.compress_size, budget)
    else:  # Excel writes deflate only; refuse what calamine might inflate unchecked
        raise fail(path, f"{_XLSX_INVALID} (unsupported compression method "
                         f"{info.compress_type})") from None
    if size > budget:
        raise _too_large(path)
    if size != info.file_size:
        raise fail(path, f"{_XLSX_INVALID} (a part's unpacked size differs from its "
                         "header: a forged archive?)") from None
    return size


def _inflate(path: str, fh: BinaryIO, compressed: int, budget: int) -> int:
    """Count the bytes a raw deflate stream of ``compressed`` bytes unpacks to.

    Stops, refusing the file, as soon as the count passes ``budget`` or the expansion
    ratio of a large member passes :data:`MAX_RATIO`: a bomb is caught after a few
    megabytes of work, not after inflating it.
    """
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, consumed, size = compressed, 0, 0
    pending = b""
    while not inflater.eof:
        if not pending and left > 0:
            pending = fh.read(min(_STEP, left))
            left = left - len(pending) if pending else 0
        offered = len(pending)
        produced = len(inflater.decompress(pending, _STEP))
        pending = inflater.unconsumed_tail
        consumed += offered - len(pending)
        size += produced
        _check_growth(path, size, consumed, budget)
        if not produced and not pending and left <= 0:
            break  # input exhausted and nothing left inside zlib
    if not inflater.eof:  # the stream ends after its declared compressed size
        raise fail(path, _XLSX_INVALID) from None
    return size


def _check_growth(path: str, size: int, consumed: int, budget: int) -> None:
    if size > budget:
        raise _too_large(path)
    if size > RATIO_FLOOR and size > MAX_RATIO * max(consumed, 1):
        raise fail(path, f"refused: a part of the workbook expands more than {MAX_RATIO} "
                         "times (a zip bomb?); if the file is genuine, " + _AS_CSV) from None

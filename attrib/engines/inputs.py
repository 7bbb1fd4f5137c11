"""What an engine reads: one file, or a directory of part files treated as one list.

Big snapshots usually come as a folder of parts (``part-00000.parquet`` ...), the way
Spark, Hive and most exporters write them. Both engines accept such a folder and
treat it as a single list, and both describe it with the same facts:

* the parts are the regular files directly inside the folder whose names do not
  start with ``.`` or ``_`` (Hadoop's ``_SUCCESS`` and ``.crc`` files), in name
  order; a sub-folder or a file attrib cannot read is an error, never skipped;
* every part must have the same format, encoding, delimiter, header decision and
  column names, or the folder is refused (sketch the parts separately instead);
* ``input.file`` is the folder's name, ``rows`` and ``size_bytes`` are sums over the
  parts, and ``sha256`` is the SHA-256 of the folder's manifest (``attrib-dir/1``)::

      attrib-dir/1\\n
      NAME\\tSIZE\\tSHA256\\n        (one line per part, in name order)

  so the hash changes when any part's bytes, name or the set of parts changes, and
  anyone can recompute it from ``sha256sum`` output;
* column kinds are decided on the first batch of the first part.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl

from attrib.errors import InputError
from attrib.io import TableInfo, iter_batches

DIR_SPEC = "attrib-dir/1"
#: TableInfo fields every part of a folder must share.
_UNIFORM = ("format", "encoding", "delimiter", "has_header", "columns")


def is_hidden(name: str) -> bool:
    """Hadoop's convention: ``_SUCCESS``, ``_metadata`` and ``.crc`` files are not data."""
    return name.startswith((".", "_"))


def part_files(folder: Path) -> list[Path]:
    """The data files of a folder, in name order.

    Raises:
        InputError: The folder holds a sub-folder or no data file.
    """
    parts = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if is_hidden(entry.name):
            continue
        if entry.is_dir():
            raise InputError(f"{folder}: holds the sub-folder {entry.name}; attrib reads the "
                             "files directly inside a folder (give each sub-folder separately)")
        parts.append(Path(entry.path))
    if not parts:
        raise InputError(f"{folder}: no data files in the folder")
    return parts


def is_folder(path: Path) -> bool:
    """True for a directory (a missing path is left for the reader to report)."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False


def check_uniform(folder: Path | str, first: TableInfo, info: TableInfo) -> None:
    """Refuse a part that is not read like the first part of its folder.

    Raises:
        InputError: naming the part and the first fact that differs.
    """
    for name in _UNIFORM:
        if getattr(first, name) != getattr(info, name):
            what = name.replace("_", " ")
            raise InputError(f"{folder}: {Path(info.path).name} differs from "
                             f"{Path(first.path).name} in its {what}; every part of a folder "
                             "must be alike (sketch them separately instead)")


def manifest_sha256(parts: list[TableInfo]) -> str:
    """The folder hash: SHA-256 of the ``attrib-dir/1`` manifest of its parts."""
    lines = [DIR_SPEC] + [f"{Path(p.path).name}\t{p.size_bytes}\t{p.sha256}" for p in parts]
    return hashlib.sha256(("\n".join(lines) + "\n").encode("utf-8")).hexdigest()


def folder_info(folder: Path | str, parts: list[TableInfo]) -> TableInfo:
    """The TableInfo of a folder read as one list (see the module docstring)."""
    first = parts[0]
    return replace(
        first,
        path=str(folder),
        sheet=None,
        sheets=[],
        rows=sum(p.rows for p in parts),
        sha256=manifest_sha256(parts),
        size_bytes=sum(p.size_bytes for p in parts),
        notes=[f"folder of {len(parts)} part files; sha256 is that of its {DIR_SPEC} "
               "manifest"],
    )


def check_max_rows(path: Path | str, rows: int, max_rows: int | None) -> None:
    """Refuse an input with more rows than the caller allows (as ``sketch_table`` does)."""
    if max_rows is not None and rows > max_rows:
        raise InputError(f"{path}: {rows} rows exceeds --max-rows {max_rows}")


class FolderReader:
    """Streams a folder's parts as one list, collecting each part's facts on the way.

    Args:
        folder: The folder.
        batch_rows: Rows per batch within each part.
        sheet: Worksheet of XLSX parts.
        max_rows: Refuse the folder once its parts hold more rows than this.
    """

    def __init__(self, folder: Path, *, batch_rows: int, sheet: str | None = None,
                 max_rows: int | None = None) -> None:
        self.folder = folder
        self.files = part_files(folder)
        self.batch_rows = batch_rows
        self.sheet = sheet
        self.max_rows = max_rows
        self.parts: list[TableInfo] = []

    def open_part(self, path: Path, *, reading: bool = False) -> Iterator[pl.DataFrame]:
        """Open one part, check it against the first and record its facts (``reading``:
        its batches are read next, so a Parquet part's first is decoded while hashing)."""
        info, frames = iter_batches(path, batch_rows=self.batch_rows, sheet=self.sheet,
                                    read_while_hashing=reading)
        if self.parts:
            check_uniform(self.folder, self.parts[0], info)
        self.parts.append(info)
        check_max_rows(self.folder, sum(p.rows for p in self.parts), self.max_rows)
        return frames

    def batches(self) -> Iterator[pl.DataFrame]:
        """Every part's batches, part after part (facts are complete once exhausted)."""
        self.parts = []
        for path in self.files:
            yield from self.open_part(path, reading=True)

    def scan(self) -> pl.DataFrame:
        """Read every part's facts without sketching; return the first part's first batch.

        Each part is hashed (and, for text, validated and counted) by ``iter_batches``;
        only the first batch of the first part is parsed into a frame.
        """
        self.parts = []
        first: pl.DataFrame | None = None
        for path in self.files:
            frames = self.open_part(path)
            if first is None:
                first = next(frames)
            close = getattr(frames, "close", None)
            if close is not None:
                close()  # releases a transcoded temporary copy of a non-UTF-8 part
        assert first is not None  # part_files guarantees one part; iter_batches one row
        return first

    def info(self) -> TableInfo:
        """The folder's facts (after :meth:`batches` is exhausted or :meth:`scan`)."""
        return folder_info(self.folder, self.parts)

"""The description of a table that was read: format, encoding, shape and provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class TableInfo:
    """What attrib learned about an input file while reading it.

    Attributes:
        path: The path as given by the caller.
        format: One of ``csv``, ``tsv``, ``jsonl``, ``json``, ``parquet``, ``xlsx``.
        encoding: The text encoding used to decode the file (text formats only).
        delimiter: The field separator (CSV/TSV only).
        has_header: Whether column names came from the file (always true for JSON and
            Parquet, whose records carry their own names).
        sheet: The worksheet read (XLSX only).
        sheets: Every worksheet in the workbook, in workbook order (XLSX only).
        rows: The number of data rows (header and blank rows excluded).
        columns: The column names of the returned frame, in order.
        sha256: Hex SHA-256 of the file's bytes.
        size_bytes: The file's size in bytes.
        notes: Decisions taken while reading, one sentence each; never a cell value.
    """

    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    has_header: bool
    sheet: str | None
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    columns: list[str] = field(default_factory=list)
    sha256: str = ""
    size_bytes: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a JSON-ready dict (lists are copies)."""
        return asdict(self)

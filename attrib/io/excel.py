"""XLSX workbooks via fastexcel (calamine): sheet choice and text conversion.

Every cell is read as text by fastexcel itself (``dtypes="string"``), which writes a
whole number stored as a float without its ``.0`` (a phone stays ``13812345678``) and
a date as ``YYYY-MM-DD HH:MM:SS``; the time is dropped when it is midnight.
"""

from __future__ import annotations

from dataclasses import dataclass

import fastexcel
import polars as pl

from attrib.io._fail import fail, translated
from attrib.io.frames import blanks_to_null, drop_empty_rows, positional, strip_midnight

INVALID = "not a valid XLSX workbook (damaged, truncated or another format)"


@dataclass(frozen=True)
class Sheet:
    """The raw cells of the chosen sheet and how it was chosen."""

    name: str
    names: list[str]
    frame: pl.DataFrame  # positional columns, blank rows and columns dropped
    note: str | None


def read_sheet(path: str, sheet: str | None) -> Sheet:
    """Load one sheet of a workbook as strings.

    Args:
        path: The workbook.
        sheet: The sheet's name, or None for the sheet with the most non-blank rows
            (the first such sheet on a tie).

    Raises:
        InputError: Not a workbook, damaged, or no such sheet.
    """
    with translated(path, INVALID):
        reader = fastexcel.read_excel(path)
        names = list(reader.sheet_names)
    if not names:
        raise fail(path, "workbook has no sheets") from None
    if sheet is not None:
        if sheet not in names:
            listed = ", ".join(f"'{n}'" for n in names)
            raise fail(path, f"no sheet '{sheet}' (sheets: {listed})") from None
        return Sheet(sheet, names, _load(path, reader, sheet), None)
    frames = {name: _load(path, reader, name) for name in names}
    chosen = max(names, key=lambda n: (frames[n].height, -names.index(n)))
    note = None
    if len(names) > 1:
        note = f"sheet '{chosen}' chosen: most rows of {len(names)} sheets"
    return Sheet(chosen, names, frames[chosen], note)


def _load(path: str, reader: fastexcel.ExcelReader, name: str) -> pl.DataFrame:
    with translated(path, f"cannot read sheet '{name}': {INVALID}"):
        raw = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
    if raw.width == 0:
        return raw
    df = drop_empty_rows(blanks_to_null(raw))
    df = df.select([col for col in df.columns if df[col].null_count() < df.height])
    df = df.with_columns([strip_midnight(df[col]) for col in df.columns])
    return positional(df)

"""The hostile and broken inputs of tests/test_hostile.py, made deterministically.

Small files are committed beside this script; regenerate them from the repository root
with ``python tests/hostile/make_hostile.py``. Large or library-version-dependent ones
(the 10^6-character field, the zip bombs, truncated Parquet and XLSX) are made by the
functions below into a temporary folder at test time, so the repository stays small.

Every person in here is invented: the phone numbers and IDs have valid shapes but
belong to nobody.
"""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
HEADER = "姓名,手机号,身份证号\n"
ROWS = [
    "张伟,13812345678,110105199001020034",
    "李娜,13912345678,310104198512120021",
    "王芳,13712345670,440106197703030047",
    "刘洋,15012345671,510107199207070015",
]


def _csv(rows: list[str]) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


def _noise(seed: int, size: int) -> bytes:
    """Seeded bytes that are no format at all (not text: many NULs and high bytes)."""
    return random.Random(seed).randbytes(size)


def small_files() -> dict[str, bytes]:
    """The committed corpus: file name -> bytes."""
    good = _csv(ROWS)
    middle = len(good) // 2
    return {
        "empty.csv": b"",
        "binary.csv": _noise(1, 2048),
        "binary.jsonl": _noise(2, 2048),
        "garbage.parquet": _noise(3, 2048),
        "garbage.xlsx": b"PK\x03\x04" + _noise(4, 2044),  # a zip signature, then noise
        "ragged.csv": _csv([ROWS[0], ROWS[1] + ",extra,more", ROWS[2]]),
        "bad_utf8_middle.csv": good[:middle] + b"\xff\xfe\xc3" + good[middle:],
        "zero_columns.jsonl": b"{}\n{}\n{}\n",
        "header_only.csv": HEADER.encode(),
        "duplicate_columns.csv": ("手机号,手机号,手机号\n" + "".join(
            f"{r.split(',')[1]},{r.split(',')[1]},{r.split(',')[1]}\n" for r in ROWS)).encode(),
        "unterminated_quote.csv": HEADER.encode() + b'\xe5\xbc\xa0\xe4\xbc\x9f,"13812345678,1\n',
        "garbage.sketch": _noise(5, 1024),
        "garbage_result.json": b'{"schema": "attrib.attribution/1", "leak": [1, 2, \xff',
    }


def write_small(folder: Path = HERE) -> list[Path]:
    """Write the committed corpus into ``folder``."""
    written = []
    for name, data in small_files().items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


# -- made at test time ---------------------------------------------------------------


def long_field_csv(path: Path, length: int = 10**6) -> Path:
    """A CSV whose note field holds ``length`` characters (a free-text dump)."""
    rows = [r + ",ok" for r in ROWS]
    rows[1] = ROWS[1] + "," + "备注" * (length // 2)
    path.write_bytes(("姓名,手机号,身份证号,备注\n" + "\n".join(rows) + "\n").encode())
    return path


def long_unterminated_csv(path: Path, length: int = 10**6) -> Path:
    """A CSV whose quoted field opens and runs ``length`` characters to the end."""
    path.write_bytes(_csv(ROWS[:1]) + b'\xe6\x9d\x8e\xe5\xa8\x9c,"' + b"9" * length + b"\n")
    return path


def truncated_parquet(path: Path) -> Path:
    """A real Parquet file cut in half (its footer, with the schema, is gone)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    phones = [f"138{i:08d}" for i in range(2000)]
    pq.write_table(pa.table({"phone": phones, "name": ["张伟"] * len(phones)}), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def zero_column_parquet(path: Path) -> Path:
    """A valid Parquet file with no column at all."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({}), path)
    return path


# -- XLSX: real workbooks written by hand, so that their bytes are fully controlled --

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_PARTS = {
    "[Content_Types].xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_REL}">'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"),
}
SHEET = "xl/worksheets/sheet1.xml"
_SHEET_HEAD = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'
               '<row><c t="inlineStr"><is><t>phone</t></is></c></row>').encode()
_SHEET_TAIL = b"</sheetData></worksheet>"
_ROW = b'<row><c t="inlineStr"><is><t>13812345678</t></is></c></row>'
MIB = 1 << 20


def _deflate(data: bytes, mode: int = zlib.Z_FINISH) -> bytes:
    """Raw deflate (as zip stores it); Z_FULL_FLUSH ends byte-aligned, unfinished, and
    without references to earlier data, so such pieces can be concatenated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush(mode)


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of (name, deflated bytes, CRC-32, declared unpacked size)."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        offset, raw = len(out), name.encode()
        # local header: version 2.0, no flags, deflate, 1980-01-01 00:00
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data),
                           size, len(raw), 0) + raw + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                               len(data), size, len(raw), 0, 0, 0, 0, 0, offset) + raw
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(out), 0)
    return bytes(out + central + end)


def _parts() -> list[tuple[str, bytes, int, int]]:
    return [(name, _deflate(text.encode()), zlib.crc32(text.encode()), len(text.encode()))
            for name, text in _PARTS.items()]


def workbook(path: Path, rows: int = 100) -> Path:
    """A genuine small workbook built like the bombs below: it reads fine."""
    sheet = _SHEET_HEAD + _ROW * rows + _SHEET_TAIL
    path.write_bytes(_zip([*_parts(), (SHEET, _deflate(sheet), zlib.crc32(sheet), len(sheet))]))
    return path


def zip_bomb_xlsx(path: Path, unpacked_mib: int = 3500, declared_mib: int | None = None) -> Path:
    """A workbook whose one sheet unpacks to ``unpacked_mib`` MiB of rows from ~1/1000 as
    many bytes: a few MB on disk, gigabytes for any reader that believes it.

    The sheet is one 1 MiB block of rows deflated once and repeated: each piece ends
    with a full flush, so their concatenation is one valid deflate stream. Its CRC-32
    is left 0 (computing it means hashing gigabytes), as a bomb's author may: a reader
    only checks it after inflating everything, when memory is already gone.

    Args:
        path: Where to write the ``.xlsx``.
        unpacked_mib: What the sheet really unpacks to.
        declared_mib: The size its zip headers declare (default: the true size); a
            small value makes a *lying* bomb that a header check alone would pass.
    """
    block = _ROW * (MIB // len(_ROW))
    body = (_deflate(_SHEET_HEAD, zlib.Z_FULL_FLUSH)
            + _deflate(block, zlib.Z_FULL_FLUSH) * unpacked_mib
            + _deflate(_SHEET_TAIL))
    size = len(_SHEET_HEAD) + len(block) * unpacked_mib + len(_SHEET_TAIL)
    declared = size if declared_mib is None else declared_mib * MIB
    path.write_bytes(_zip([*_parts(), (SHEET, body, 0, declared)]))
    return path


def truncated_xlsx(path: Path) -> Path:
    """A genuine workbook cut in half (its zip directory, at the end, is gone)."""
    data = workbook(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


if __name__ == "__main__":
    for written in write_small():
        print(written.relative_to(Path.cwd()) if written.is_relative_to(Path.cwd()) else written)

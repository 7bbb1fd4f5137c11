"""Regenerate the small input files that tests/test_io.py reads.

Run from the repository root: ``python tests/corpus/make_corpus.py``. The output is
deterministic (fixed seeds, fixed workbook timestamps), so regenerating with the same
library versions gives the same bytes. The people are invented: the phone numbers and
IDs have valid shapes but belong to nobody.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

HERE = Path(__file__).resolve().parent

PEOPLE = [
    ("张伟", "13812345678", "110105199001020034", "北京市朝阳区建国路88号", "1990-01-02"),
    ("李娜", "13912345678", "310104198512120021", "上海市徐汇区漕溪北路201号", "1985-12-12"),
    ("王芳", "13712345670", "440106197703030047", "广州市天河区体育西路5号", "1977-03-03"),
    ("刘洋", "15012345671", "510107199207070015", "成都市武侯区人民南路四段12号", "1992-07-07"),
    ("陈静", "18612345672", "320102198811110028", "南京市玄武区中山路18号", "1988-11-11"),
    ("杨磊", "13612345673", "330106199505050031", "杭州市西湖区文三路90号", "1995-05-05"),
]


def csv_line(cells: list[str], sep: str = ",") -> str:
    """Join cells with ``sep``, quoting cells that need it (RFC 4180 style)."""
    out = []
    for cell in cells:
        if any(ch in cell for ch in (sep, '"', "\n", "\r")):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return sep.join(out)


def write_text(name: str, lines: list[str], encoding: str, newline: str = "\n") -> None:
    """Write lines with a trailing newline in the given encoding."""
    (HERE / name).write_bytes((newline.join(lines) + newline).encode(encoding))


def good_text_files() -> None:
    """The readable CSV/TSV/TXT files."""
    rows = [list(p[:4]) for p in PEOPLE]
    write_text(
        "utf8_en_header.csv",
        [csv_line(["name", "phone", "id_number", "address", "birth_date"])]
        + [csv_line(list(p)) for p in PEOPLE],
        "utf-8",
    )
    write_text(
        "utf8_bom_zh_header.csv",
        [csv_line(["客户姓名", "联系电话", "身份证号", "地址"])] + [csv_line(r) for r in rows],
        "utf-8-sig",
        newline="\r\n",
    )
    # 䶮 is in GB18030 but not in GBK: the file must be decoded as gb18030.
    headerless = [r[:] for r in rows]
    headerless[0][0] = "刘䶮"
    write_text("gb18030_headerless.csv", [csv_line(r) for r in headerless], "gb18030")
    write_text(
        "gbk_header.csv",
        [csv_line(["姓名", "手机号", "身份证号", "地址"])] + [csv_line(r) for r in rows],
        "gbk",
    )
    write_text(
        "utf16_zh.tsv",
        ["姓名\t手机号\t出生日期"] + [f"{p[0]}\t{p[1]}\t{p[4]}" for p in PEOPLE],
        "utf-16",  # little-endian with BOM
        newline="\r\n",
    )
    special = [
        ["张伟", "13812345678", "北京市朝阳区;建国路88号"],
        ["李娜", "13912345678", '上海市"徐汇区"\n漕溪北路201号'],
        ["王芳", "13712345670", "广州市天河区, 体育西路5号"],
    ]
    write_text(
        "semicolon_quoted.csv",
        [csv_line(["姓名", "电话", "地址"], ";")] + [csv_line(r, ";") for r in special],
        "utf-8",
    )
    piped = [[r[0], r[1], r[2].replace(";", "|")] for r in special]
    write_text(
        "pipe_quoted.csv",
        [csv_line(["name", "mobile", "addr"], "|")] + [csv_line(r, "|") for r in piped],
        "utf-8",
    )
    write_text("tab_plain.txt", ["\t".join(p[:2]) for p in PEOPLE], "utf-8")
    write_text("phones_only.csv", [p[1] for p in PEOPLE], "utf-8")
    write_text(
        "dup_header.csv",
        [csv_line(["name", "phone", "phone", "", " address "])]
        + [csv_line([p[0], p[1], p[1], "x", p[3]]) for p in PEOPLE],
        "utf-8",
    )
    write_text(
        "blank_lines.csv",
        ["姓名,手机号", "张伟,13812345678", "", ",", "李娜,13912345678", ""],
        "utf-8",
    )
    write_text(
        "stray_quote.csv",
        ["姓名,备注", "张伟,身高5'9\"", "李娜,正常"],
        "utf-8",
    )


def json_files() -> None:
    """JSON Lines and a JSON array, with numbers, booleans, nulls and nesting."""
    lines = []
    for i, (name, phone, pid, addr, _birth) in enumerate(PEOPLE):
        rec: dict[str, object] = {"姓名": name, "手机": int(phone), "身份证": pid, "地址": addr}
        if i == 1:
            rec["vip"] = True
        if i == 2:
            rec["tags"] = ["车主", "保险"]
            rec["手机"] = None
        lines.append(json.dumps(rec, ensure_ascii=False))
    write_text("records.jsonl", lines, "utf-8")
    array = [
        {"name": p[0], "phone": p[1], "birth": p[4], "score": 1.5 if i else 2.0}
        for i, p in enumerate(PEOPLE)
    ]
    (HERE / "records.json").write_text(json.dumps(array, ensure_ascii=False, indent=1) + "\n")


def parquet_files() -> None:
    """Typed Parquet: an int64 phone, a date, a datetime, a float, a bool, a null."""
    table = pa.table(
        {
            "name": pa.array([p[0] for p in PEOPLE]),
            "phone": pa.array([int(p[1]) for p in PEOPLE], pa.int64()),
            "birth_date": pa.array([dt.date.fromisoformat(p[4]) for p in PEOPLE], pa.date32()),
            "updated": pa.array(
                [dt.datetime(2023, 1, 1 + i, 0 if i else 9, 30 if i == 0 else 0) for i in range(6)],
                pa.timestamp("us"),
            ),
            "phone_f": pa.array([float(p[1]) for p in PEOPLE], pa.float64()),
            "vip": pa.array([i % 2 == 0 for i in range(6)]),
            "note": pa.array([None, "", "a", None, "b", None], pa.string()),
        }
    )
    pq.write_table(table, HERE / "typed.parquet", compression="zstd")
    data = (HERE / "typed.parquet").read_bytes()
    (HERE / "truncated.parquet").write_bytes(data[: len(data) // 2])


def xlsx_files() -> None:
    """A workbook of three sheets; the middle one has the most rows and typed cells."""
    path = HERE / "workbook.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    notes = wb.add_worksheet("说明")
    notes.write_row(0, 0, ["导出说明"])
    notes.write_row(1, 0, ["仅供测试"])
    customers = wb.add_worksheet("客户")
    customers.write_row(0, 0, ["姓名", "手机号", "身份证号", "出生日期", "积分"])
    for r, (name, phone, pid, _addr, birth) in enumerate(PEOPLE, 1):
        customers.write_string(r, 0, name)
        customers.write_number(r, 1, int(phone))  # a phone stored as a number
        customers.write_string(r, 2, pid)
        customers.write_datetime(r, 3, dt.datetime.fromisoformat(birth), date_fmt)
        customers.write_number(r, 4, 10.5 if r == 1 else r)
    summary = wb.add_worksheet("汇总")
    summary.write_row(0, 0, ["城市", "人数"])
    summary.write_row(1, 0, ["北京", 1])
    summary.write_row(2, 0, ["上海", 1])
    wb.close()
    data = path.read_bytes()
    (HERE / "truncated.xlsx").write_bytes(data[: len(data) // 2])


def broken_files() -> None:
    """Files every reader must reject with a one-line InputError."""
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "whitespace.csv").write_bytes(b"  \n\n")
    (HERE / "header_only.csv").write_bytes("姓名,手机号,身份证号\n".encode())
    (HERE / "garbage.csv").write_bytes(random.Random(7).randbytes(2048))
    good = "姓名,手机号\n" + "".join(f"{p[0]},{p[1]}\n" for p in PEOPLE)
    raw = good.encode()
    cut = raw.index("王芳".encode())
    (HERE / "bad_utf8.csv").write_bytes(raw[:cut] + b"\xff" + raw[cut + 1 :])
    (HERE / "ragged.csv").write_text("姓名,手机号\n张伟,13812345678\n李娜,13912345678,多余\n")
    (HERE / "bad.json").write_text('[{"name": "张伟"}, {"name": "李娜",}]\n')
    (HERE / "bad.jsonl").write_text('{"name": "张伟"}\n{"name": "李娜"\n')
    (HERE / "scalar.jsonl").write_text('{"name": "张伟"}\n42\n')
    (HERE / "empty_array.json").write_text("[]\n")
    (HERE / "empty_objects.json").write_text("[{}, {}]\n")
    (HERE / "table.xls").write_bytes(b"\xd0\xcf\x11\xe0 not really a workbook")


def main() -> None:
    """Write every corpus file next to this script."""
    good_text_files()
    json_files()
    parquet_files()
    xlsx_files()
    broken_files()


if __name__ == "__main__":
    main()

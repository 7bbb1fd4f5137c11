"""attrib.io on the committed corpus: good files, broken files, options and streaming."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import polars as pl
import pytest

from attrib.errors import InputError, UsageError
from attrib.io import TableInfo, iter_batches, read_table, sha256_file

CORPUS = Path(__file__).parent / "corpus"
ZH = ["客户姓名", "联系电话", "身份证号", "地址"]
ZHANG = ("张伟", "13812345678", "110105199001020034", "北京市朝阳区建国路88号")
EXPECTED_DECODE = (
    "cannot decode text (tried utf-8, gb18030, utf-16); re-save it as UTF-8 or pass --encoding"
)


def corpus(name: str) -> str:
    """Path of a corpus file, as a string (messages quote it verbatim)."""
    return str(CORPUS / name)


# file, format, encoding, delimiter, has_header, rows, columns, first row
GOOD = [
    (
        "utf8_en_header.csv", "csv", "utf-8", ",", True, 6,
        ["name", "phone", "id_number", "address", "birth_date"], (*ZHANG, "1990-01-02"),
    ),
    ("utf8_bom_zh_header.csv", "csv", "utf-8-sig", ",", True, 6, ZH, ZHANG),
    (
        "gb18030_headerless.csv", "csv", "gb18030", ",", False, 6,
        ["col1", "col2", "col3", "col4"], ("刘䶮", *ZHANG[1:]),
    ),
    ("gbk_header.csv", "csv", "gb18030", ",", True, 6, ["姓名", "手机号", "身份证号", "地址"],
     ZHANG),
    (
        "utf16_zh.tsv", "tsv", "utf-16-le", "\t", True, 6, ["姓名", "手机号", "出生日期"],
        ("张伟", "13812345678", "1990-01-02"),
    ),
    (
        "semicolon_quoted.csv", "csv", "utf-8", ";", True, 3, ["姓名", "电话", "地址"],
        ("张伟", "13812345678", "北京市朝阳区;建国路88号"),
    ),
    (
        "pipe_quoted.csv", "csv", "utf-8", "|", True, 3, ["name", "mobile", "addr"],
        ("张伟", "13812345678", "北京市朝阳区|建国路88号"),
    ),
    ("tab_plain.txt", "tsv", "utf-8", "\t", False, 6, ["col1", "col2"], ("张伟", "13812345678")),
    ("phones_only.csv", "csv", "utf-8", ",", False, 6, ["col1"], ("13812345678",)),
    (
        "dup_header.csv", "csv", "utf-8", ",", True, 6,
        ["name", "phone", "phone_2", "col4", "address"],
        ("张伟", "13812345678", "13812345678", "x", "北京市朝阳区建国路88号"),
    ),
    ("blank_lines.csv", "csv", "utf-8", ",", True, 2, ["姓名", "手机号"], ("张伟", "13812345678")),
    ("stray_quote.csv", "csv", "utf-8", ",", True, 2, ["姓名", "备注"], ("张伟", "身高5'9\"")),
    (
        "records.jsonl", "jsonl", "utf-8", None, True, 6,
        ["姓名", "手机", "身份证", "地址", "vip", "tags"], (*ZHANG, None, None),
    ),
    (
        "records.json", "json", "utf-8", None, True, 6, ["name", "phone", "birth", "score"],
        ("张伟", "13812345678", "1990-01-02", "2"),
    ),
    (
        "typed.parquet", "parquet", None, None, True, 6,
        ["name", "phone", "birth_date", "updated", "phone_f", "vip", "note"],
        ("张伟", "13812345678", "1990-01-02", "2023-01-01 09:30:00", "13812345678", "true", None),
    ),
    (
        "workbook.xlsx", "xlsx", None, None, True, 6,
        ["姓名", "手机号", "身份证号", "出生日期", "积分"],
        ("张伟", "13812345678", "110105199001020034", "1990-01-02", "10.5"),
    ),
]  # fmt: skip

BAD = [
    ("empty.csv", "file is empty"),
    ("whitespace.csv", "file is empty"),
    ("header_only.csv", "no data rows"),
    ("garbage.csv", "looks like binary data, not a text table"),
    ("truncated.parquet", "not a valid Parquet file"),
    ("truncated.xlsx", "not a valid XLSX workbook (damaged, truncated or another format)"),
    (
        "bad_utf8.csv",
        "invalid UTF-8 on line 4 (byte 55) of an otherwise UTF-8 file; "
        "repair the file or pass --encoding",
    ),
    (
        "ragged.csv",
        "line 3 has 3 fields but the first row has 2 "
        "(ragged rows; check the delimiter and quoting)",
    ),
    ("bad.json",
     "invalid JSON at line 1, column 32 (Expecting property name enclosed in double quotes)"),
    ("bad.jsonl", "invalid JSON at line 2, column 1 (Expecting ',' delimiter)"),
    ("scalar.jsonl", "line 2 is a JSON int, not an object"),
    ("empty_array.json", "no data rows"),
    ("empty_objects.json", "no columns"),
    ("table.xls",
     "unsupported format '.xls' (expected .csv, .tsv, .jsonl, .json, .parquet or .xlsx)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "fmt", "encoding", "delimiter", "has_header", "rows", "columns", "first"), GOOD
)
def test_good_file(name, fmt, encoding, delimiter, has_header, rows, columns, first):
    df, info = read_table(corpus(name))
    assert (info.format, info.encoding, info.delimiter) == (fmt, encoding, delimiter)
    assert (info.has_header, info.rows, info.columns) == (has_header, rows, columns)
    assert df.columns == columns and df.height == rows
    assert all(dtype == pl.String for dtype in df.dtypes)
    assert df.row(0) == first


@pytest.mark.parametrize(("name", "problem"), BAD)
def test_bad_file_message(name, problem):
    with pytest.raises(InputError) as caught:
        read_table(corpus(name))
    assert str(caught.value) == f"{corpus(name)}: {problem}"
    # No chained library exception: its message could quote the file.
    error = caught.value
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


@pytest.mark.parametrize(("name", "problem"), BAD)
def test_bad_file_fails_before_streaming(name, problem):
    with pytest.raises(InputError) as caught:
        iter_batches(corpus(name), batch_rows=2)
    assert str(caught.value) == f"{corpus(name)}: {problem}"


def test_messages_are_one_line_without_cell_values():
    secrets = ["张伟", "李娜", "王芳", "1381234", "1101051990"]
    for name, _ in BAD:
        with pytest.raises(InputError) as caught:
            read_table(corpus(name))
        message = str(caught.value)
        assert "\n" not in message and "\r" not in message
        assert not any(s in message.replace(corpus(name), "") for s in secrets)


@pytest.mark.parametrize("name", [g[0] for g in GOOD])
def test_notes_quote_no_values(name):
    df, info = read_table(corpus(name))
    values = {v for col in df.columns for v in df[col].drop_nulls().to_list() if len(v) > 1}
    values |= set(df.columns) - {"col1", "col2", "col3", "col4"}
    for note in info.notes:
        assert not any(v in note for v in values if not v.isascii() or len(v) > 3), note


@pytest.mark.parametrize("name", [g[0] for g in GOOD])
def test_info_provenance(name):
    path = corpus(name)
    _, info = read_table(path)
    data = Path(path).read_bytes()
    assert info.sha256 == hashlib.sha256(data).hexdigest() == sha256_file(path)
    assert info.size_bytes == len(data)
    assert info.path == path
    assert json.loads(json.dumps(info.to_dict())) == info.to_dict()
    assert isinstance(info, TableInfo)


@pytest.mark.parametrize("size", [0, 1, 4095, 4096, 4097, 3 * 4096 + 17])
def test_binary_digest_across_windows(tmp_path, monkeypatch, size):
    """Binary files are hashed a mapped window at a time: every window boundary, and a
    file too small or empty to map, gives hashlib's digest of the whole file."""
    from attrib.io import files

    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    path = tmp_path / "t.parquet"
    path.write_bytes(data)
    monkeypatch.setattr(files, "BINARY_WINDOW", 4096)
    digest = files.digest_file(str(path))
    assert (digest.sha256, digest.size) == (hashlib.sha256(data).hexdigest(), size)
    assert not digest.utf8_checked


@pytest.mark.parametrize("rows", [1, 999, 2500])
def test_parquet_read_while_hashing_is_the_same_stream(tmp_path, rows):
    """Decoding the first batch while the file is hashed changes neither the facts nor
    the batches."""
    path = tmp_path / "t.parquet"
    pl.DataFrame({"手机号": [f"138{i:08d}" for i in range(rows)],
                  "n": list(range(rows))}).write_parquet(path, row_group_size=700)
    plain_info, plain = iter_batches(path, batch_rows=1000)
    info, batches = iter_batches(path, batch_rows=1000, read_while_hashing=True)
    assert info == plain_info
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    got, want = list(batches), list(plain)
    assert [b.height for b in got] == [b.height for b in want]
    assert all(a.equals(b) for a, b in zip(got, want, strict=True))


def test_parquet_read_while_hashing_reports_a_bad_file(tmp_path):
    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1" + bytes(64))
    with pytest.raises(InputError, match=r"t\.parquet: not a valid Parquet file"):
        iter_batches(path, read_while_hashing=True)


# --- files and arguments ----------------------------------------------------------------


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.csv")
    with pytest.raises(InputError, match=r"nope\.csv: no such file$"):
        read_table(path)
    with pytest.raises(InputError, match=r"nope\.csv: no such file$"):
        sha256_file(path)


def test_directory(tmp_path):
    folder = tmp_path / "dir.csv"
    folder.mkdir()
    with pytest.raises(InputError, match=r"dir\.csv: is a directory, not a file$"):
        read_table(folder)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_permission_denied(tmp_path):
    path = tmp_path / "locked.csv"
    path.write_text("a,b\n1,2\n")
    path.chmod(0)
    with pytest.raises(InputError, match=r"locked\.csv: permission denied$"):
        read_table(path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "data.xyz"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: unsupported format '.xyz' (expected .csv, .tsv, .jsonl, .json, .parquet or .xlsx)"
    )


def test_bad_arguments():
    with pytest.raises(UsageError):
        read_table(corpus("utf8_en_header.csv"), max_rows=-1)
    with pytest.raises(UsageError):
        iter_batches(corpus("utf8_en_header.csv"), batch_rows=0)
    with pytest.raises(UsageError):
        read_table(corpus("utf8_en_header.csv"), delimiter="，")


# --- options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["utf8_en_header.csv", "gb18030_headerless.csv", "records.jsonl", "records.json",
     "typed.parquet", "workbook.xlsx"],
)  # fmt: skip
def test_max_rows(name):
    path = corpus(name)
    df, _ = read_table(path, max_rows=6)
    assert df.height == 6
    with pytest.raises(InputError) as caught:
        read_table(path, max_rows=5)
    assert str(caught.value) == f"{path}: 6+ rows exceeds --max-rows 5"


def test_max_rows_ignores_blank_lines():
    df, _ = read_table(corpus("blank_lines.csv"), max_rows=2)
    assert df.height == 2


def test_sheet_choice():
    _, info = read_table(corpus("workbook.xlsx"))
    assert info.sheet == "客户" and info.sheets == ["说明", "客户", "汇总"]
    assert "sheet '客户' chosen: most rows of 3 sheets" in info.notes
    df, info = read_table(corpus("workbook.xlsx"), sheet="汇总")
    assert info.sheet == "汇总" and df.columns == ["城市", "人数"]
    assert df.rows() == [("北京", "1"), ("上海", "1")]


def test_unknown_sheet():
    path = corpus("workbook.xlsx")
    with pytest.raises(InputError) as caught:
        read_table(path, sheet="Sheet1")
    assert str(caught.value) == f"{path}: no sheet 'Sheet1' (sheets: '说明', '客户', '汇总')"


def test_xlsx_numbers_and_dates_as_text():
    df, _ = read_table(corpus("workbook.xlsx"))
    assert df["手机号"].to_list()[:2] == ["13812345678", "13912345678"]
    assert df["出生日期"].to_list()[:2] == ["1990-01-02", "1985-12-12"]
    assert df["积分"].to_list() == ["10.5", "2", "3", "4", "5", "6"]


def test_parquet_types_as_text():
    df, _ = read_table(corpus("typed.parquet"))
    assert df["phone"].to_list() == df["phone_f"].to_list()
    assert df["updated"].to_list()[:2] == ["2023-01-01 09:30:00", "2023-01-02"]
    assert df["vip"].to_list()[:2] == ["true", "false"]
    assert df["note"].to_list() == [None, None, "a", None, "b", None]


def test_json_values_as_text():
    df, _ = read_table(corpus("records.jsonl"))
    assert df["手机"].to_list()[:3] == ["13812345678", "13912345678", None]
    assert df["vip"].to_list()[:2] == [None, "true"]
    assert df["tags"].to_list()[2] == '["车主","保险"]'


def test_encoding_override():
    df, info = read_table(corpus("gbk_header.csv"), encoding="gbk")
    assert info.encoding == "gbk" and df.row(0) == ZHANG
    path = corpus("gbk_header.csv")
    with pytest.raises(InputError) as caught:
        read_table(path, encoding="utf-8")
    assert str(caught.value) == f"{path}: cannot decode text as 'utf-8'; check --encoding"
    with pytest.raises(InputError, match="unknown encoding 'klingon'$"):
        read_table(path, encoding="klingon")


def test_header_override():
    df, info = read_table(corpus("utf8_en_header.csv"), has_header=False)
    assert not info.has_header and df.height == 7 and df.row(0)[0] == "name"
    df, info = read_table(corpus("phones_only.csv"), has_header=True)
    assert info.has_header and df.columns == ["13812345678"] and df.height == 5


def test_delimiter_override():
    df, info = read_table(corpus("tab_plain.txt"), delimiter=",")
    assert info.delimiter == "," and "delimiter given by the caller" in info.notes
    assert df.width == 1 and df.row(0) == ("张伟\t13812345678",)
    path = corpus("semicolon_quoted.csv")
    with pytest.raises(InputError) as caught:
        read_table(path, delimiter=",")
    assert str(caught.value) == (
        f"{path}: line 5 has 2 fields but the first row has 1 "
        "(ragged rows; check the delimiter and quoting)"
    )


def test_path_objects_accepted():
    df, info = read_table(CORPUS / "utf8_en_header.csv")
    assert info.path == corpus("utf8_en_header.csv") and df.height == 6


def test_undecodable_text(tmp_path):
    # Lone GB18030 lead bytes followed by ASCII: neither UTF-8, GB18030 nor UTF-16.
    path = tmp_path / "odd.csv"
    path.write_bytes(b"name,phone\n" + b"\x81,1\n" * 50)
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert str(caught.value) == f"{path}: {EXPECTED_DECODE}"


def test_gbk_file_with_ascii_head_falls_back(tmp_path):
    # Invalid UTF-8 after a pure-ASCII prefix is not "damaged UTF-8": try GB18030.
    path = tmp_path / "late.csv"
    path.write_bytes(b"name,phone\n" + b"x,13812345678\n" * 10 + "张伟,13912345678\n".encode("gbk"))
    df, info = read_table(path)
    assert info.encoding == "gb18030" and df.row(-1) == ("张伟", "13912345678")


def test_utf16_without_bom(tmp_path):
    path = tmp_path / "nobom.csv"
    path.write_bytes("姓名,手机号\n张伟,13812345678\n李娜,13912345678\n".encode("utf-16-le"))
    df, info = read_table(path)
    assert info.encoding == "utf-16-le" and df.row(1) == ("李娜", "13912345678")


def test_big5(tmp_path):
    path = tmp_path / "tw.csv"
    text = (
        "姓名,電話,地址\n陳大文,0912345678,台北市信義區松仁路100號\n"
        "林美玲,0923456789,新北市板橋區\n"
    )
    path.write_bytes(text.encode("big5"))
    df, info = read_table(path)
    assert info.encoding == "cp950" and df.row(0)[0] == "陳大文"


def test_trailing_empty_fields_tolerated(tmp_path):
    path = tmp_path / "trail.csv"
    path.write_text("姓名,手机号\n张伟,13812345678,\n李娜,13912345678,,\n")
    df, info = read_table(path)
    assert df.rows() == [("张伟", "13812345678"), ("李娜", "13912345678")]
    assert any("tolerant" in n for n in info.notes)


def test_unterminated_quote(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('姓名,手机号\n张伟,13812345678\n"李娜,13912345678\n王芳,1\n')
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert str(caught.value) == f"{path}: malformed quoting in the record starting on line 3"


def test_cr_only_line_endings(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"name,phone\r1,13812345678\r2,13912345678\r")
    with pytest.raises(InputError, match="CR-only line endings"):
        read_table(path)


def test_json_wrapped_and_jsonl_in_json(tmp_path):
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"total": 2, "data": [{"name": "张伟"}, {"name": "李娜"}]}))
    df, info = read_table(wrapped)
    assert df["name"].to_list() == ["张伟", "李娜"]
    assert "records taken from the key 'data'" in info.notes
    lines = tmp_path / "lines.json"
    lines.write_text('{"name": "张伟"}\n{"name": "李娜"}\n')
    df, info = read_table(lines)
    assert df.height == 2 and "JSON Lines content in a .json file" in info.notes


def test_json_array_of_arrays_detects_header(tmp_path):
    path = tmp_path / "rows.json"
    path.write_text(json.dumps([["姓名", "手机号"], ["张伟", 13812345678], ["李娜", 13912345678]]))
    df, info = read_table(path)
    assert info.has_header and df.rows() == [("张伟", "13812345678"), ("李娜", "13912345678")]


def test_gb18030_jsonl(tmp_path):
    path = tmp_path / "gbk.jsonl"
    path.write_bytes('{"姓名": "张伟"}\n{"姓名": "李娜"}\n'.encode("gbk"))
    df, info = read_table(path)
    assert info.encoding == "gb18030" and df["姓名"].to_list() == ["张伟", "李娜"]


# --- streaming --------------------------------------------------------------------------


@pytest.mark.parametrize("name", [g[0] for g in GOOD])
@pytest.mark.parametrize("batch_rows", [1, 4, 1000])
def test_iter_batches_matches_read_table(name, batch_rows):
    df, info = read_table(corpus(name))
    info2, batches = iter_batches(corpus(name), batch_rows=batch_rows)
    parts = list(batches)
    assert info2 == info
    assert all(p.height == batch_rows for p in parts[:-1])
    assert 0 < parts[-1].height <= batch_rows
    assert pl.concat(parts).equals(df)


def test_temporary_copies_are_removed(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    read_table(corpus("gbk_header.csv"))
    _, batches = iter_batches(corpus("gbk_header.csv"), batch_rows=2)
    next(batches)
    del batches  # abandoned half way
    _, never_started = iter_batches(corpus("utf16_zh.tsv"), batch_rows=2)
    del never_started
    with pytest.raises(InputError):
        read_table(corpus("gbk_header.csv"), encoding="utf-16")
    assert list(tmp_path.iterdir()) == []


BIG = 1_200_000


@pytest.fixture(scope="module")
def big_frame() -> pl.DataFrame:
    i = pl.int_range(BIG)
    city = pl.when(i % 3 == 0).then(pl.lit("北京")).when(i % 3 == 1).then(pl.lit("上海"))
    return pl.select(
        pl.concat_str(pl.lit("张"), (i % 997).cast(pl.String)).alias("姓名"),
        (i + 13800000000).alias("手机号"),
        city.otherwise(None).alias("城市"),
    )


@pytest.mark.parametrize("fmt", ["parquet", "csv", "gbk.csv"])
def test_iter_batches_big(tmp_path, big_frame, fmt):
    path = tmp_path / f"big.{fmt}"
    if fmt == "parquet":
        big_frame.write_parquet(path, row_group_size=300_000)
    else:
        big_frame.write_csv(path)
        if fmt == "gbk.csv":
            path.write_bytes(path.read_bytes().decode().encode("gbk"))
    full, info = read_table(path)
    assert info.rows == BIG and full.columns == ["姓名", "手机号", "城市"]
    assert full.row(1) == ("张1", "13800000001", "上海")
    info2, batches = iter_batches(path, batch_rows=500_000)
    assert info2.rows == BIG
    parts = list(batches)
    assert [p.height for p in parts] == [500_000, 500_000, 200_000]
    assert pl.concat(parts).equals(full)


# --- odd but valid inputs ---------------------------------------------------------------


def test_file_name_with_glob_characters(tmp_path):
    path = tmp_path / "客户[2023]*.csv"
    path.write_bytes((CORPUS / "gbk_header.csv").read_bytes())
    df, _ = read_table(path)
    assert df.row(0) == ZHANG
    _, batches = iter_batches(path, batch_rows=4)
    assert [b.height for b in batches] == [4, 2]


def test_parquet_duplicate_names_and_empty(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    table = pa.Table.from_arrays([pa.array(["张伟"]), pa.array([1])], names=["name", "name"])
    pq.write_table(table, path)
    df, _ = read_table(path)
    assert df.columns == ["name", "name_2"] and df.row(0) == ("张伟", "1")
    empty = tmp_path / "empty.parquet"
    pq.write_table(table.slice(0, 0), empty)
    with pytest.raises(InputError, match=r"empty\.parquet: no data rows$"):
        read_table(empty)


def test_xlsx_headerless_and_empty_sheet(tmp_path):
    import xlsxwriter

    path = tmp_path / "book.xlsx"
    wb = xlsxwriter.Workbook(path)
    data = wb.add_worksheet("data")
    for r, phone in enumerate([13812345678, 13912345678, 13712345670]):
        data.write_number(r, 0, phone)
        data.write_string(r, 1, "110105199001020034")
    wb.add_worksheet("blank")
    wb.close()
    df, info = read_table(path)
    assert not info.has_header and info.sheet == "data"
    assert df.row(0) == ("13812345678", "110105199001020034")
    with pytest.raises(InputError) as caught:
        read_table(path, sheet="blank")
    assert str(caught.value) == f"{path}: sheet 'blank' is empty"


def test_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("姓名,手机号\n张伟,13812345678\n")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert str(caught.value) == (
        f"{path}: not a valid XLSX workbook (damaged, truncated or another format)"
    )


def test_csv_named_parquet(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("姓名,手机号\n张伟,13812345678\n")
    with pytest.raises(InputError) as caught:
        read_table(path)
    assert str(caught.value) == f"{path}: not a valid Parquet file"

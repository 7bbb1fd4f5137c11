"""`attrib inspect` gets every column kind right on the reading corpus (tests/corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CORPUS = Path(__file__).parent / "corpus"

EXPECTED = {
    "blank_lines.csv": {"姓名": "name", "手机号": "phone"},
    "dup_header.csv": {"name": "name", "phone": "phone", "phone_2": "phone", "col4": "other",
                       "address": "address"},
    "gb18030_headerless.csv": {"col1": "name", "col2": "phone", "col3": "national_id",
                               "col4": "address"},
    "gbk_header.csv": {"姓名": "name", "手机号": "phone", "身份证号": "national_id",
                       "地址": "address"},
    "phones_only.csv": {"col1": "phone"},
    "pipe_quoted.csv": {"name": "name", "mobile": "phone", "addr": "address"},
    "records.json": {"name": "name", "phone": "phone", "birth": "birth_date", "score": "other"},
    "records.jsonl": {"姓名": "name", "手机": "phone", "身份证": "national_id", "地址": "address",
                      "vip": "other", "tags": "other"},
    "semicolon_quoted.csv": {"姓名": "name", "电话": "phone", "地址": "address"},
    "stray_quote.csv": {"姓名": "name", "备注": "other"},
    "tab_plain.txt": {"col1": "name", "col2": "phone"},
    "typed.parquet": {"name": "name", "phone": "phone", "birth_date": "birth_date",
                      "updated": "other", "phone_f": "phone", "vip": "other", "note": "other"},
    "utf16_zh.tsv": {"姓名": "name", "手机号": "phone", "出生日期": "birth_date"},
    "utf8_bom_zh_header.csv": {"客户姓名": "name", "联系电话": "phone", "身份证号": "national_id",
                               "地址": "address"},
    "utf8_en_header.csv": {"name": "name", "phone": "phone", "id_number": "national_id",
                           "address": "address", "birth_date": "birth_date"},
    "workbook.xlsx": {"姓名": "name", "手机号": "phone", "身份证号": "national_id",
                      "出生日期": "birth_date", "积分": "other"},
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_inspect_detects_every_column_kind(run, name):
    r = run("inspect", CORPUS / name, "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert {c["column"]: c["kind"] for c in doc["columns"]} == EXPECTED[name]

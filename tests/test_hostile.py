"""Hostile and broken inputs through the real commands, and a fuzz test of the readers.

Each bad file gives exactly one line on stderr naming the file and the problem, exit
code 2 (4 for a sketch, 5 for a result that is not the case's), nothing on stdout, no
traceback, and leaves the case byte for byte as it was. The corpus is
``tests/hostile/`` (small files, committed) plus big or library-made files that
``tests/hostile/make_hostile.py`` writes into a temporary folder here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrib import api
from attrib.io import guard

HOSTILE = Path(__file__).parent / "hostile"
_spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
assert _spec and _spec.loader
mh = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(mh)

XLSX_INVALID = "not a valid XLSX workbook (damaged, truncated or another format)"
AS_CSV = "export the sheet as CSV, which attrib streams"
BOMB_RATIO = ("refused: a part of the workbook expands more than 200 times (a zip bomb?); "
              f"if the file is genuine, {AS_CSV}")
BOMB_SIZE = f"refused: the workbook unpacks to more than 1024 MiB, too much to load whole; {AS_CSV}"

# committed file -> the problem every command reports
COMMITTED = {
    "empty.csv": "file is empty",
    "binary.csv": "looks like binary data, not a text table",
    "binary.jsonl": "looks like binary data, not a text table",
    "garbage.parquet": "not a valid Parquet file",
    "garbage.xlsx": XLSX_INVALID,
    "ragged.csv": "line 3 has 5 fields but the first row has 3 (ragged rows; check the "
                  "delimiter and quoting)",
    "bad_utf8_middle.csv": "invalid UTF-8 on line 3 (byte 91) of an otherwise UTF-8 file; "
                           "repair the file or pass --encoding",
    "zero_columns.jsonl": "no columns",
    "header_only.csv": "no data rows",
    "unterminated_quote.csv": "malformed quoting in the record starting on line 2",
}
# generated file -> (maker, problem)
GENERATED = {
    "truncated.parquet": (mh.truncated_parquet, "not a valid Parquet file"),
    "truncated.xlsx": (mh.truncated_xlsx, XLSX_INVALID),
    "zero_columns.parquet": (mh.zero_column_parquet, "no data rows"),
    "long_unterminated.csv": (mh.long_unterminated_csv,
                              "malformed quoting in the record starting on line 3"),
    "bomb.xlsx": (mh.zip_bomb_xlsx, BOMB_SIZE),
    "lying_bomb.xlsx": (lambda p: mh.zip_bomb_xlsx(p, 3500, declared_mib=1), BOMB_RATIO),
    "dense_bomb.xlsx": (lambda p: mh.zip_bomb_xlsx(p, 100), BOMB_RATIO),
}
COMMANDS = ("inspect", "source add", "attribute")


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    for name, (make, _) in GENERATED.items():
        make(folder / name)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, mini_world) -> Path:
    case = tmp_path_factory.mktemp("hostile-case") / "case"
    api.create_case(case, population=3000)
    api.add_source(case, mini_world / "org_a.csv", org="org_a", snapshot="2024-06-30")
    return case


@pytest.fixture
def case(built, tmp_path) -> Path:
    c = tmp_path / "case"
    shutil.copytree(built, c)
    return c


def snapshot(folder: Path) -> dict[str, bytes]:
    return {os.fspath(p.relative_to(folder)): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}


def args_for(command: str, case: Path, path: Path) -> list[object]:
    if command == "inspect":
        return ["inspect", path]
    if command == "source add":
        return ["source", "add", case, path, "--org", "hostile", "--snapshot", "2024-01-01"]
    return ["attribute", case, path]


def assert_refused(r, path: Path | str, problem: str, code: int = 2) -> None:
    assert (r.code, r.out, r.err) == (code, "", f"attrib: error: {path}: {problem}\n")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(COMMITTED))
def test_committed_bad_file(name, command, case, run):
    before = snapshot(case)
    path = HOSTILE / name
    assert_refused(run(*args_for(command, case, path)), path, COMMITTED[name])
    assert snapshot(case) == before


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_bad_file(name, command, case, run, generated):
    before = snapshot(case)
    path = generated / name
    assert_refused(run(*args_for(command, case, path)), path, GENERATED[name][1])
    assert snapshot(case) == before


def test_bomb_never_reaches_the_reader(generated, run, monkeypatch):
    """The guard refuses a bomb before calamine sees it, in a few MiB of memory."""
    import fastexcel

    monkeypatch.setattr(fastexcel, "read_excel", lambda *a, **k: pytest.fail("reader ran"))
    for name in ("bomb.xlsx", "lying_bomb.xlsx", "dense_bomb.xlsx"):
        tracemalloc.start()
        r = run("inspect", generated / name)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert r.code == 2 and "refused:" in r.err
        assert peak < 64 << 20, f"{name}: {peak >> 20} MiB"


def test_bomb_shaped_workbook_is_a_real_workbook(tmp_path, run):
    """The bombs' disguise is genuine: the same construction, small, reads as a sheet."""
    path = mh.workbook(tmp_path / "small.xlsx", rows=100)
    r = run("inspect", path, "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert (doc["file"]["format"], doc["file"]["rows"]) == ("xlsx", 100)
    assert doc["columns"][0]["kind"] == "phone"


def test_forged_declared_size(tmp_path, run):
    """A central directory declaring gigabytes is refused without inflating anything."""
    path = mh.workbook(tmp_path / "forged.xlsx")
    data = bytearray(path.read_bytes())
    entry = data.rfind(b"PK\x01\x02")  # the sheet's central directory entry is the last
    struct.pack_into("<I", data, entry + 24, 3 << 30)
    path.write_bytes(bytes(data))
    assert_refused(run("inspect", path), path, BOMB_SIZE)


def test_json_document_too_large_to_load(tmp_path, run, monkeypatch):
    monkeypatch.setattr(guard, "MAX_JSON_BYTES", 1 << 20)
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"phone": f"138{i:08d}"} for i in range(80_000)]))
    assert_refused(run("inspect", path), path,
                   "refused: a JSON document is loaded whole and this one is 2 MiB (limit 1 "
                   "MiB); convert it to JSON Lines (one object per line), which attrib streams")


def test_long_field_is_read_and_never_echoed(case, run, generated, tmp_path):
    """A 10^6-character free-text field is legitimate data: read, not quoted anywhere."""
    path = mh.long_field_csv(tmp_path / "long_field.csv")
    r = run("inspect", path, "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["file"]["rows"] == 4 and "备注备注" not in r.out
    r = run("attribute", case, path)
    assert r.code == 0, r.err
    assert all(b"\xe5\xa4\x87\xe6\xb3\xa8" * 2 not in data for data in snapshot(case).values())


def test_leak_without_a_valid_identifier(case, run, tmp_path):
    """Found by the fuzz test: a leak none of whose rows has a valid identifier crashed
    when its (empty) record table was stored; it is now refused before anything is."""
    path = tmp_path / "one.csv"
    path.write_bytes(b"110105199001020034")  # an ID whose check digit is wrong
    before = snapshot(case)
    assert_refused(run("attribute", case, path), path,
                   "none of its 1 rows has a valid identifier (phone, national ID, e-mail, "
                   "plate, or name with birth date); check 'attrib inspect'")
    assert snapshot(case) == before


def test_duplicate_column_names_are_renamed(case, run):
    """Duplicate header names are not an error: the copies get _2, _3 (docs/formats.md)."""
    r = run("inspect", HOSTILE / "duplicate_columns.csv", "--json")
    assert r.code == 0, r.err
    assert [c["column"] for c in json.loads(r.out)["columns"]] == ["手机号", "手机号_2", "手机号_3"]
    assert run("attribute", case, HOSTILE / "duplicate_columns.csv").code == 0


def test_a_directory(case, run, tmp_path):
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    before = snapshot(case)
    for command in ("inspect", "attribute"):
        assert_refused(run(*args_for(command, case, folder)), folder, "is a directory, not a file")
    # source add reads a folder as the part files of one snapshot (docs/user-guide.md)
    assert_refused(run(*args_for("source add", case, folder)), folder,
                   "no data files in the folder")
    (folder / "sub").mkdir()
    assert_refused(run(*args_for("source add", case, folder)), folder,
                   "holds the sub-folder sub; attrib reads the files directly inside a folder "
                   "(give each sub-folder separately)")
    assert snapshot(case) == before


def test_hostile_file_name_stays_one_line(case, run, tmp_path):
    """A file name with a newline and a terminal escape cannot split or colour the message."""
    path = tmp_path / "evil\n\x1b[31mname.csv"
    path.write_bytes(b"")
    r = run("attribute", case, path)
    assert r.code == 2 and r.err.endswith("name.csv: file is empty\n")
    assert r.err.count("\n") == 1 and "\x1b" not in r.err and "\\x1b[31m" in r.err


def test_no_read_permission(case, run, tmp_path):
    """Unreadable input. chmod 0 stops a normal user; root reads anything, unless it runs
    without the capabilities that bypass file permissions (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH): then the kernel refuses root too, as it does in a container."""
    path = tmp_path / "locked.csv"
    shutil.copy(HOSTILE / "ragged.csv", path)
    path.chmod(0)
    before = snapshot(case)
    def unreadable(command: str) -> str:
        # typer checks path arguments before attrib does, with the same one-line outcome
        param = "leak_file" if command == "attribute" else "file"
        return (f"attrib: error: Invalid value for '{param}': path '{path}' is not readable; "
                f"see 'attrib {command} --help'\n")

    if os.geteuid() != 0:
        for command in COMMANDS:
            r = run(*args_for(command, case, path))
            assert (r.code, r.out, r.err) == (2, "", unreadable(command))
    else:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without util-linux setpriv to drop CAP_DAC_OVERRIDE")
        proc = subprocess.run(
            [setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
             "attrib", *map(str, args_for("attribute", case, path))],
            capture_output=True, text=True)
        assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", unreadable("attribute"))
    assert snapshot(case) == before


# -- sketches and results that are garbage -------------------------------------------


def test_garbage_sketch(case, run):
    path = HOSTILE / "garbage.sketch"
    before = snapshot(case)
    assert_refused(run("source", "import", case, path), path, "not an attrib sketch file", 4)
    assert_refused(run("sketch", "info", path), path, "not an attrib sketch file", 4)
    assert snapshot(case) == before


def _sketch_with_header(header: bytes) -> bytes:
    from attrib.sketch.fileformat import MAGIC

    body = MAGIC + struct.pack("<IQ", 1, len(header)) + header
    return body + hashlib.sha256(body).digest()


@pytest.mark.parametrize("header", [b"[1, 2]", b'{"schema": "attrib.sketch/1", "sections": '
                                    b'[{"name": "x"}]}', b'{"schema": "attrib.sketch/1"}'])
def test_sketch_with_a_valid_checksum_but_no_sense(header, case, run, tmp_path):
    """Anyone can compute a SHA-256: a well-sealed nonsense header is still refused."""
    path = tmp_path / "forged.sketch"
    path.write_bytes(_sketch_with_header(header))
    assert_refused(run("sketch", "info", path), path, "sketch file is malformed", 4)
    assert_refused(run("source", "import", case, path), path, "sketch file is malformed", 4)


def test_garbage_result(case, run, tmp_path):
    path = HOSTILE / "garbage_result.json"
    before = snapshot(case)
    r = run("report", case, path, "-o", tmp_path / "r.html")
    assert_refused(r, path, "not a valid result JSON document")
    assert not (tmp_path / "r.html").exists() and snapshot(case) == before


# -- fuzz: generated CSV / JSON Lines bytes through the command line --------------------

_CELL = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["13812345678", "110105199001020034", "张伟", "a@b.cn", "1990-01-02",
                     '"', '""', ",", "\t", "\n", "\r\n", ";", "|", "\x00", "\ufeff", ""]),
)
_CSV = st.lists(st.lists(_CELL, min_size=0, max_size=5), min_size=0, max_size=8).map(
    lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8", "surrogatepass"))
_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | _CELL,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_CELL, inner, max_size=3),
    max_leaves=6)
_JSONL = st.lists(st.one_of(st.dictionaries(_CELL, _JSON_VALUE, max_size=4), _JSON_VALUE),
                  max_size=6).map(
    lambda rows: "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode())
_BYTES = st.one_of(_CSV, _JSONL, st.binary(max_size=200),
                   st.tuples(_CSV, st.binary(max_size=8), _CSV).map(lambda t: b"".join(t)))


def _one_line_or_success(r, path: Path) -> None:
    assert "Traceback" not in r.err
    if r.code == 0:
        return
    assert r.code == 2, r.err  # an input problem: never an internal error (70)
    assert r.err.startswith(f"attrib: error: {path}: ") and r.err.count("\n") == 1, r.err


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_BYTES, suffix=st.sampled_from([".csv", ".tsv", ".txt", ".jsonl", ".json"]))
def test_fuzz_inspect(data, suffix, run, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    _one_line_or_success(run("inspect", path), path)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=_BYTES, suffix=st.sampled_from([".csv", ".jsonl"]))
def test_fuzz_attribute(data, suffix, built, run, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    case = folder / "case"
    shutil.copytree(built, case)
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    before = snapshot(case)
    r = run("attribute", case, path)
    _one_line_or_success(r, path)
    if r.code != 0:
        assert snapshot(case) == before

"""The real commands, end to end, with exact error texts."""

from __future__ import annotations

import json
import stat

import pytest

from attrib.cli.app import app


@pytest.fixture
def case(tmp_path, run, mini_world):
    c = tmp_path / "case"
    assert run("case", "init", c, "--population", "3000").code == 0
    assert run("source", "add", c, mini_world / "org_a.csv", "--org", "org_a",
               "--snapshot", "2024-06-30").code == 0
    assert run("source", "add", c, mini_world / "org_b.csv", "--org", "org_b",
               "--snapshot", "2024-06-30").code == 0
    return c


def test_case_init_key_is_private(tmp_path, run):
    r = run("case", "init", tmp_path / "c")
    assert r.code == 0
    assert "created case" in r.err
    mode = stat.S_IMODE((tmp_path / "c" / "key").stat().st_mode)
    assert mode == 0o600


def test_attribute_json_and_reports(case, run, mini_world, tmp_path):
    out = tmp_path / "r.json"
    r = run("attribute", case, mini_world / "leak.csv", "--json", out)
    assert r.code == 0, r.err
    assert "ATTRIBUTED to org_a" in r.out
    doc = json.loads(out.read_text())
    assert doc["schema"] == "attrib.attribution/1"
    assert doc["verdict"]["status"] == "attributed" and doc["verdict"]["org"] == "org_a"
    assert [c["org"] for c in doc["candidates"]] == ["org_a", "org_b"]
    for key in ("file", "sha256", "records"):
        assert key in doc["leak"]
    for fmt in ("html", "md", "json"):
        rr = run("report", case, out, "--format", fmt, "-o", tmp_path / f"rep.{fmt}")
        assert rr.code == 0, rr.err
    html = (tmp_path / "rep.html").read_text()
    assert "<script" not in html and "org_a" in html
    assert doc["leak"]["sha256"] in html


def test_source_add_same_snapshot_twice(case, run, mini_world):
    r = run("source", "add", case, mini_world / "org_a.csv", "--org", "org_a",
            "--snapshot", "2024-06-30")
    assert r.code == 3
    assert r.err == (f"attrib: error: {case}: case already has a source org_a@2024-06-30; "
                     "use another --snapshot or --org\n")


def test_missing_file(case, run, tmp_path):
    r = run("attribute", case, tmp_path / "nope.csv")
    assert r.code == 2
    assert r.err == f"attrib: error: {tmp_path / 'nope.csv'}: no such file\n"


def test_unknown_format(case, run, tmp_path):
    f = tmp_path / "leak.xyz"
    f.write_text("a,b\n1,2\n")
    r = run("attribute", case, f)
    assert r.code == 2
    assert r.err.startswith(f"attrib: error: {f}: unsupported format '.xyz'")
    assert r.err.count("\n") == 1


def test_no_identifier_column(case, run, tmp_path):
    f = tmp_path / "colours.csv"
    f.write_text("colour,size\nred,3\nblue,4\n")
    r = run("attribute", case, f)
    assert r.code == 2
    assert r.err == (f"attrib: error: {f}: no identifier column found (need a phone, national "
                     "ID, e-mail or plate column, or name with birth date); check 'attrib "
                     "inspect' and use --map COLUMN=KIND\n")


def test_bad_snapshot_date(case, run, mini_world):
    r = run("source", "add", case, mini_world / "org_a.csv", "--org", "x",
            "--snapshot", "June")
    assert r.code == 2
    assert r.err == "attrib: error: invalid --snapshot 'June': expected a date YYYY-MM-DD\n"


def test_bad_map(case, run, mini_world):
    r = run("attribute", case, mini_world / "leak.csv", "--map", "手机号=telephone")
    assert r.code == 2
    assert "kind must be one of name, phone" in r.err


def test_not_a_case(run, tmp_path, mini_world):
    r = run("attribute", tmp_path / "nocase", mini_world / "leak.csv")
    assert r.code == 3
    assert r.err == (f"attrib: error: {tmp_path / 'nocase'}: no such case folder (create it "
                     f"with 'attrib case init {tmp_path / 'nocase'}')\n")


def test_inspect_json(run, mini_world):
    r = run("inspect", mini_world / "leak.csv", "--json")
    assert r.code == 0
    doc = json.loads(r.out)
    kinds = {c["column"]: c["kind"] for c in doc["columns"]}
    assert kinds == {"姓名": "name", "手机号": "phone", "身份证号": "national_id",
                     "地址": "address"}
    assert "138" not in r.out  # no values


def test_kit_sketch_import_info(case, run, mini_world, tmp_path):
    kit = tmp_path / "kit.json"
    assert run("case", "export-kit", case, "-o", kit).code == 0
    assert stat.S_IMODE(kit.stat().st_mode) == 0o600
    sk = tmp_path / "b.sketch"
    r = run("sketch", mini_world / "org_b.csv", "--kit", kit, "--org", "org_b",
            "--snapshot", "2025-06-30", "-o", sk)
    assert r.code == 0, r.err
    info = run("sketch", "info", sk, "--json")
    assert info.code == 0
    summary = json.loads(info.out)
    assert summary["org"] == "org_b" and summary["params"]["scheme"] == "affine64"
    assert run("source", "import", case, sk).code == 0
    other = tmp_path / "other"
    run("case", "init", other)
    r = run("source", "import", other, sk)
    assert r.code == 4
    assert "was made with another case's key" in r.err


def test_damaged_sketch_refused(case, run, mini_world, tmp_path):
    kit = tmp_path / "kit.json"
    run("case", "export-kit", case, "-o", kit)
    sk = tmp_path / "b.sketch"
    run("sketch", mini_world / "org_b.csv", "--kit", kit, "--org", "org_b",
        "--snapshot", "2025-06-30", "-o", sk)
    data = bytearray(sk.read_bytes())
    data[200] ^= 0xFF
    sk.write_bytes(bytes(data))
    r = run("source", "import", case, sk)
    assert r.code == 4
    assert r.err == f"attrib: error: {sk}: sketch file is damaged (checksum mismatch)\n"


def test_every_command_has_help():
    def walk(group):
        yield from group.registered_commands
        for sub in group.registered_groups:
            yield from walk(sub.typer_instance)

    for cmd in walk(app):
        doc = cmd.help or (cmd.callback.__doc__ if cmd.callback else None)
        assert doc and doc.strip(), f"{cmd.name} lacks help text"

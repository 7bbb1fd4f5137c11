"""``attrib case log``: the audit log shown, and every kind of tampering detected."""

from __future__ import annotations

import json
import shutil

import pytest

from attrib import api


@pytest.fixture(scope="module")
def built(tmp_path_factory, mini_world):
    case = tmp_path_factory.mktemp("audit") / "case"
    api.create_case(case, population=3000)
    api.add_source(case, mini_world / "org_a.csv", org="org_a", snapshot="2024-06-30")
    api.add_source(case, mini_world / "org_b.csv", org="org_b", snapshot="2024-06-30")
    doc = api.attribute_leak(case, mini_world / "leak.csv")
    api.make_report(case, case / "results" / f"{doc['leak']['id']}.json", "md",
                    case.parent / "r.md")
    return case


@pytest.fixture
def case(built, tmp_path):
    c = tmp_path / "case"
    shutil.copytree(built, c)
    return c


def _lines(case):
    return (case / "audit.jsonl").read_text().splitlines()


def _write(case, lines):
    (case / "audit.jsonl").write_text("".join(line + "\n" for line in lines))


def test_log_intact(case, run):
    r = run("case", "log", case)
    assert r.code == 0, r.err
    assert r.err == "audit log intact: 5 entries, hash chain verified\n"
    for command in ("case init", "source add", "attribute", "report"):
        assert command in r.out
    assert "BROKEN" not in r.out


def test_log_json(case, run):
    r = run("case", "log", case, "--json")
    doc = json.loads(r.out)
    assert doc["schema"] == "attrib.audit-log/1" and doc["intact"] is True
    assert [e["command"] for e in doc["entries"]] == ["case init", "source add", "source add",
                                                      "attribute", "report"]
    assert [e["seq"] for e in doc["entries"]] == [1, 2, 3, 4, 5]
    assert doc["entries"][1]["prev"] == doc["entries"][0]["hash"]
    # Which engine sketched a source is part of the record.
    assert [e["params"]["engine"] for e in doc["entries"][1:3]] == ["local", "local"]


def test_modified_entry(case, run):
    lines = _lines(case)
    lines[2] = lines[2].replace('"org_b"', '"org_c"')
    _write(case, lines)
    r = run("case", "log", case)
    assert r.code == 5
    assert r.err == (f"attrib: error: {case / 'audit.jsonl'}: entry 3: content does not match "
                     "its hash (modified)\n")
    assert "BROKEN" in r.out


def test_modified_and_rehashed_entry_breaks_the_chain(case, run):
    """Recomputing the edited entry's hash does not help: the next entry no longer chains."""
    from attrib.case.audit import _entry_hash

    lines = _lines(case)
    entry = json.loads(lines[1])
    entry["params"]["org"] = "someone_else"
    entry["hash"] = _entry_hash(entry)
    lines[1] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    _write(case, lines)
    r = run("case", "log", case)
    assert r.code == 5
    assert r.err == (f"attrib: error: {case / 'audit.jsonl'}: entry 3: does not chain to the "
                     "previous entry\n")


def test_removed_entry(case, run):
    lines = _lines(case)
    del lines[1]
    _write(case, lines)
    r = run("case", "log", case)
    assert r.code == 5
    log = case / "audit.jsonl"
    assert r.err.splitlines() == [
        f"attrib: error: {log}: entry 2: sequence number 3 out of order",
        f"attrib: error: {log}: entry 2: does not chain to the previous entry",
        f"attrib: error: {log}: entry 3: sequence number 4 out of order",
        f"attrib: error: {log}: entry 4: sequence number 5 out of order",
    ]


def test_reordered_entries(case, run):
    lines = _lines(case)
    lines[1], lines[2] = lines[2], lines[1]
    _write(case, lines)
    r = run("case", "log", case)
    assert r.code == 5
    assert "entry 2: sequence number 3 out of order" in r.err


def test_garbage_line(case, run):
    lines = _lines(case)
    lines[3] = lines[3][:40]
    _write(case, lines)
    r = run("case", "log", case, "--json")
    assert r.code == 5
    doc = json.loads(r.out)
    assert doc["intact"] is False and "entry 4: not valid JSON" in doc["problems"]
    assert f"{case / 'audit.jsonl'}: entry 4: not valid JSON" in r.err


def test_report_states_a_broken_chain(case, run, tmp_path):
    """A report made on a tampered case says so in its integrity section."""
    lines = _lines(case)
    lines[1] = lines[1].replace('"org_a"', '"org_z"')
    _write(case, lines)
    result = next((case / "results").glob("*.json"))
    assert run("report", case, result, "-o", tmp_path / "r.html").code == 0
    html = (tmp_path / "r.html").read_text()
    assert "hash chain BROKEN: entry 2: content does not match its hash (modified)" in html


def test_log_not_a_case(run, tmp_path):
    r = run("case", "log", tmp_path / "nope")
    assert r.code == 3
    assert r.err == (f"attrib: error: {tmp_path / 'nope'}: no such case folder (create it with "
                     f"'attrib case init {tmp_path / 'nope'}')\n")

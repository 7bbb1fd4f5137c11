"""Secrets stay private, personal data never leaks, and tampering is detected.

* the case key, the examiner key and kits are created 0600 and refused when others
  can read them;
* canary people planted in a source and a leak: after the whole path (case init,
  source add, attribute --json, every report format, a bundle, case log, a kit, sketch
  and sketch info, import, inspect, failing commands, --debug) no file attrib wrote
  and no byte it printed holds a canary value, in clear or as an unkeyed hash;
* ``--debug`` shows where an internal error happened, never its message;
* a sketch, the manifest or a result changed outside attrib is reported, not used.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import warnings
from pathlib import Path

import polars as pl
import pytest
from conftest import Result

from attrib import api
from attrib.case import open_case

_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check_digit(body: str) -> str:
    """A national ID: 17 digits and their ISO 7064 MOD 11-2 check character."""
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _W, strict=True)) % 11]


# Invented people with unusual values, so that a hit can only come from them.
CANARIES = [
    {"姓名": "司马卓尔", "手机号": "13912398765", "身份证号": with_check_digit("51010719830817357"),
     "地址": "四川省成都市青羊区金丝街99号", "邮箱": "zhuoer.sima.canary@example.org",
     "车牌": "川A9C8X7"},
    {"姓名": "诸葛芊芊", "手机号": "15098761234", "身份证号": with_check_digit("33010619920229518"),
     "地址": "浙江省杭州市西湖区曙光路77号", "邮箱": "qianqian.zhuge.canary@example.org",
     "车牌": "浙A7Q6W5"},
    {"姓名": "欧阳靖宸", "手机号": "18677889900", "身份证号": with_check_digit("44030519790101234"),
     "地址": "广东省深圳市南山区科苑路11号", "邮箱": "jingchen.ouyang.canary@example.org",
     "车牌": "粤B5K4J3"},
]


def canonical_forms(person: dict[str, str]) -> list[str]:
    """Each value as written and in attrib's canonical form (docs/architecture.md)."""
    nid = person["身份证号"]
    birth = f"{nid[6:10]}-{nid[10:12]}-{nid[12:14]}"
    return [*person.values(), "86" + person["手机号"], "+86" + person["手机号"],
            person["邮箱"].lower(), birth, f"{person['姓名']}\x1f{birth}",
            f"{person['姓名']}\x1f86{person['手机号']}", f"{nid}\x1f{person['地址']}",
            f"86{person['手机号']}\x1f{person['地址']}"]


def needles() -> dict[bytes, str]:
    """Every byte string that would betray a canary: values and their unkeyed hashes."""
    found: dict[bytes, str] = {}
    for person in CANARIES:
        for value in canonical_forms(person):
            raw = value.encode("utf-8")
            found[raw] = value
            for algo in ("sha256", "md5", "sha1"):
                digest = hashlib.new(algo, raw)
                found[digest.hexdigest().encode()] = f"{algo}({value})"
                found[digest.hexdigest().upper().encode()] = f"{algo}({value})"
                found[digest.digest()] = f"raw {algo}({value})"
    return found


def crowd(n: int, seed: int) -> pl.DataFrame:
    """Ordinary invented people around the canaries."""
    body = [f"1101051960{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}" for i in range(n)]
    return pl.DataFrame({
        "姓名": [f"张{'伟芳娜秀英敏静丽强磊'[i % 10]}{'军洋勇艳杰'[i % 5]}" for i in range(n)],
        "手机号": [f"137{seed}{i:07d}" for i in range(n)],
        "身份证号": [with_check_digit(b) for b in body],
        "地址": [f"北京市海淀区中关村大街{i}号" for i in range(n)],
        "邮箱": [f"user{seed}.{i}@example.com" for i in range(n)],
        "车牌": [f"京A{i:05d}" for i in range(n)],
    })


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("canary-world")
    canaries = pl.DataFrame(CANARIES)
    org = pl.concat([crowd(400, 1), canaries])
    org.write_csv(d / "org_a.csv")
    pl.concat([crowd(300, 2), canaries]).write_parquet(d / "org_b.parquet")
    # the leak: headerless, a canary first (its values must not become column names)
    leak = pl.concat([canaries.head(1), org.sample(80, seed=3), canaries.tail(2)])
    leak.write_csv(d / "leak.csv", include_header=False)
    pl.concat([canaries, crowd(20, 4)]).write_ndjson(d / "leak2.jsonl")
    (d / "ragged.csv").write_text("姓名,手机号\n司马卓尔,13912398765\n诸葛芊芊,15098761234,"
                                  "18677889900\n", encoding="utf-8")
    return {"dir": d, "org_a": d / "org_a.csv", "org_b": d / "org_b.parquet",
            "leak": d / "leak.csv", "leak2": d / "leak2.jsonl", "ragged": d / "ragged.csv"}


def test_no_personal_value_anywhere(world, run, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("ATTRIB_EXAMINER_KEY", raising=False)
    case, out = tmp_path / "case", tmp_path / "out"
    out.mkdir()
    printed: list[str] = []

    def ok(*args: object) -> None:
        r = run(*args)
        printed.extend([r.out, r.err])
        assert r.code == 0, (args, r.err)

    def fails(*args: object) -> None:
        r = run(*args)
        printed.extend([r.out, r.err])
        assert r.code != 0, args

    ok("case", "init", case, "--population", "3000", "--examiner", "Examiner One")
    ok("inspect", world["leak"], "--json")
    ok("inspect", world["org_a"])
    ok("source", "add", case, world["org_a"], "--org", "org_a", "--snapshot", "2024-06-30")
    ok("case", "export-kit", case, "-o", out / "org_b.kit")
    ok("sketch", world["org_b"], "--kit", out / "org_b.kit", "--org", "org_b",
       "--snapshot", "2024-06-30", "-o", out / "org_b.sketch", "--exact")
    ok("sketch", "info", out / "org_b.sketch")
    ok("sketch", "info", out / "org_b.sketch", "--json")
    ok("source", "import", case, out / "org_b.sketch")
    ok("attribute", case, world["leak"], "--json", out / "result.json")
    ok("attribute", case, world["leak2"], "--json", out / "result2.json")
    for fmt, suffix in (("html", "html"), ("md", "md"), ("json", "json"), ("case", "jsonld")):
        ok("report", case, out / "result.json", "--format", fmt, "-o", out / f"report.{suffix}")
    ok("key", "create", "--out", out / "examiner.key")
    ok("report", case, out / "result2.json", "--bundle", out / "bundle",
       "--key", out / "examiner.key")
    ok("verify", out / "bundle")
    ok("case", "log", case)
    ok("case", "log", case, "--json")
    fails("attribute", case, world["ragged"])
    fails("--debug", "source", "add", case, world["ragged"], "--org", "x", "--snapshot",
          "2024-01-01")
    fails("inspect", world["ragged"], "--max-rows", "1")

    wrote = [p for folder in (case, out) for p in folder.rglob("*") if p.is_file()]
    assert len(wrote) > 20
    hits = []
    for name, data in [(str(p), p.read_bytes()) for p in wrote] + [
            (f"output {i}", text.encode()) for i, text in enumerate(printed)]:
        hits += [f"{name}: {what}" for needle, what in needles().items() if needle in data]
    assert hits == []


def test_the_canary_check_sees_what_it_looks_for(world, tmp_path):
    """The detector itself works: on the inputs, and on an unkeyed hash of a value."""
    assert any(needle in world["org_a"].read_bytes() for needle in needles())
    phone = ("86" + CANARIES[1]["手机号"]).encode()
    (tmp_path / "hashed.txt").write_text(hashlib.md5(phone).hexdigest())
    assert any(needle in (tmp_path / "hashed.txt").read_bytes() for needle in needles())


# -- --debug, warnings, odd exceptions ----------------------------------------------------

SECRET = CANARIES[0]["手机号"]


@pytest.mark.parametrize("exc", [ValueError(f"bad cell {SECRET}"), KeyError(SECRET),
                                 pl.exceptions.PanicException(f"panic at {SECRET}")])
def test_debug_traceback_is_redacted(exc, run, monkeypatch, world):
    def boom(*args, **kwargs):
        local_value = SECRET  # noqa: F841 - a local holding data must not be printed either
        raise exc

    monkeypatch.setattr(api, "inspect_file", boom)
    name = type(exc).__name__
    r = run("inspect", world["leak"])
    assert (r.code, r.out) == (70, "")
    assert r.err == (f"attrib: error: internal error ({name}); please report it, rerun with "
                     "--debug for the location\n")
    r = run("--debug", "inspect", world["leak"])
    assert r.code == 70 and SECRET not in r.err
    assert r.err.startswith("Traceback (most recent call last; exception message redacted):\n")
    assert 'in boom\n    raise exc\n' in r.err and f".{name}\n" in r.err


def test_warnings_are_redacted(run, monkeypatch, world):
    def warn(*args, **kwargs):
        warnings.warn(f"odd value {SECRET}", UserWarning, stacklevel=1)
        return {"schema": "attrib.inspect/1", "file": {}, "columns": [], "quality": {}}

    monkeypatch.setattr(api, "inspect_file", warn)
    r = run("inspect", world["leak"], "--json")
    assert r.code == 0 and r.err == ""
    r = run("--debug", "inspect", world["leak"], "--json")
    assert SECRET not in r.err
    assert r.err.startswith("attrib: warning: UserWarning at ") and "(message redacted)" in r.err


def test_interrupt(run, monkeypatch, world):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "inspect_file", interrupted)
    assert run("inspect", world["leak"]) == Result(
        130, "", "attrib: error: interrupted; the case keeps its last complete state (the "
        "next command finishes or undoes the interrupted change)\n")


# -- keys: 0600, and refused when others can read them ------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory, world) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("security")
    case = d / "case"
    api.create_case(case, population=3000)
    api.add_source(case, world["org_a"], org="org_a", snapshot="2024-06-30")
    doc = api.attribute_leak(case, world["leak2"])
    return {"case": case, "result": case / "results" / f"{doc['leak']['id']}.json"}


@pytest.fixture
def case(built, tmp_path) -> Path:
    c = tmp_path / "case"
    shutil.copytree(built["case"], c)
    return c


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("loose", [0o640, 0o604, 0o620])
def test_case_key_refused_when_others_can_access_it(case, run, world, loose):
    key = case / "key"
    assert mode(key) == 0o600
    key.chmod(loose)
    message = f"attrib: error: {key}: key file is readable by other users; run 'chmod 600 {key}'\n"
    for args in (["attribute", case, world["leak2"]], ["case", "log", case],
                 ["case", "export-kit", case, "-o", case.parent / "k.kit"]):
        r = run(*args)
        assert (r.code, r.err) == (3, message), args
    assert not (case.parent / "k.kit").exists()


def test_kit_is_private_and_refused_when_not(case, run, world, tmp_path):
    kit = tmp_path / "org.kit"
    assert run("case", "export-kit", case, "-o", kit).code == 0
    assert mode(kit) == 0o600
    kit.chmod(0o644)
    r = run("sketch", world["org_a"], "--kit", kit, "--org", "o", "--snapshot", "2024-01-01",
            "-o", tmp_path / "o.sketch")
    assert (r.code, r.err) == (2, f"attrib: error: {kit}: kit file is readable by other users; "
                                  f"run 'chmod 600 {kit}'\n")


def test_examiner_key_is_private_and_refused_when_not(built, run, tmp_path):
    key = tmp_path / "keys" / "examiner.key"
    assert run("key", "create", "--out", key).code == 0
    assert mode(key) == 0o600 and mode(key.parent) == 0o700
    key.chmod(0o640)
    r = run("report", built["case"], built["result"], "--bundle", tmp_path / "b", "--key", key)
    assert (r.code, r.err) == (2, f"attrib: error: {key}: examiner key is readable by other "
                                  f"users; run 'chmod 600 {key}'\n")
    assert not (tmp_path / "b").exists()


def test_no_file_in_a_case_is_writable_by_others(case):
    for path in case.rglob("*"):
        assert path.is_dir() or not mode(path) & 0o022, path
    assert mode(case / "key") == 0o600 and mode(case / ".lock") == 0o600


# -- integrity on read ---------------------------------------------------------------------

RESTORE = "restore it from a copy of the case"


def _flip(path: Path, at: int = 100) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_modified_sketch_is_detected(case, run, world):
    sketch = case / open_case(case).sources()[0]["sketch"]
    _flip(sketch)
    r = run("attribute", case, world["leak2"])
    assert (r.code, r.err) == (5, f"attrib: error: {sketch}: sketch file was modified outside "
                                  f"attrib (SHA-256 differs from case.json); {RESTORE}\n")


def test_missing_sketch_is_detected(case, run, world):
    sketch = case / open_case(case).sources()[0]["sketch"]
    sketch.unlink()
    r = run("attribute", case, world["leak2"])
    assert (r.code, r.err) == (5, f"attrib: error: {sketch}: sketch file is missing from the "
                                  "case\n")


@pytest.mark.parametrize("edit", ["population", "sha", "drop-checksum", "reseal-plain"])
def test_modified_manifest_is_detected(case, run, world, edit):
    path = case / "case.json"
    manifest = json.loads(path.read_text())
    if edit == "population":
        manifest["params"]["population"] = 10
    elif edit == "sha":  # someone swaps a sketch and "fixes" its hash
        manifest["sources"][0]["sketch_sha256"] = "0" * 64
    elif edit == "drop-checksum":
        del manifest["checksum"]
    else:  # an unkeyed hash in the seal's place
        body = {k: v for k, v in manifest.items() if k != "checksum"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        manifest["checksum"] = "hmac-sha256:" + hashlib.sha256(canonical.encode()).hexdigest()
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    what = ("has no checksum (modified outside attrib, or written before attrib sealed "
            "manifests)" if edit == "drop-checksum" else
            "was modified outside attrib (checksum differs)")
    for args in (["attribute", case, world["leak2"]], ["case", "log", case]):
        r = run(*args)
        assert (r.code, r.err) == (5, f"attrib: error: {path}: case manifest {what}; "
                                      f"{RESTORE}\n"), args


def test_key_of_another_case(case, run, tmp_path):
    other = tmp_path / "other"
    api.create_case(other)
    shutil.copy(other / "key", case / "key")
    r = run("case", "log", case)
    assert (r.code, r.err) == (3, f"attrib: error: {case / 'key'}: key does not belong to this "
                                  "case\n")


def test_modified_result_is_detected(case, run, world, tmp_path):
    result = case / open_case(case).results()[0]["file"]
    doc = json.loads(result.read_text())
    copy = tmp_path / "copy.json"
    shutil.copy(result, copy)
    assert run("report", case, copy, "-o", tmp_path / "ok.md", "--format", "md").code == 0
    # the stored result, edited: a verdict changed by hand
    doc["verdict"]["confidence"] = 0.5
    result.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    r = run("report", case, result, "-o", tmp_path / "r.md", "--format", "md")
    assert (r.code, r.err) == (5, f"attrib: error: {result}: result was modified outside attrib "
                                  "(SHA-256 matches no result case.json records); use the "
                                  "case's copy in results/ or attribute the leak again\n")
    assert not (tmp_path / "r.md").exists()
    # and a copy outside the case, edited the same way
    copy.write_text(result.read_text())
    r = run("report", case, copy, "-o", tmp_path / "r.md", "--format", "md")
    assert r.code == 5 and "result was modified outside attrib" in r.err


def test_earlier_result_still_verifies(case, run, world, tmp_path):
    """A copy of an earlier result stays reportable after a newer run replaced it."""
    first = tmp_path / "first.json"
    assert run("attribute", case, world["leak2"], "--json", first).code == 0
    assert run("attribute", case, world["leak2"], "--json", tmp_path / "second.json").code == 0
    assert run("report", case, first, "-o", tmp_path / "r.md", "--format", "md").code == 0


def test_result_of_an_unknown_leak(case, run, built, tmp_path):
    doc = json.loads(built["result"].read_text())
    doc["leak"]["id"] = "leak-000000000000"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc))
    r = run("report", case, forged, "-o", tmp_path / "r.md", "--format", "md")
    assert (r.code, r.err) == (5, f"attrib: error: {forged}: result is not recorded in this "
                                  "case (no result of its leak in case.json); attribute the "
                                  "leak again\n")

"""Examiner keys, signed BagIt bundles, and ``attrib verify`` catching any change."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest

from attrib import api
from attrib.report.bundle import MANIFEST, SIGNATURE, TAGMANIFEST

BUNDLE_FILES = ["bag-info.txt", "bagit.txt", "data/report.html", "data/report.json",
                "data/report.jsonld", "data/report.md", "data/result.json", "examiner.pub",
                MANIFEST, SIGNATURE, TAGMANIFEST]


@pytest.fixture(scope="module")
def built(tmp_path_factory, mini_world):
    d = tmp_path_factory.mktemp("bundle")
    case = d / "case"
    api.create_case(case, population=3000, examiner="王 Examiner")
    api.add_source(case, mini_world / "org_a.csv", org="org_a", snapshot="2024-06-30")
    api.add_source(case, mini_world / "org_b.csv", org="org_b", snapshot="2024-06-30")
    doc = api.attribute_leak(case, mini_world / "leak.csv")
    key = d / "keys" / "examiner.key"
    api.create_examiner_key(key)
    bundle = d / "bundle"
    api.make_bundle(case, case / "results" / f"{doc['leak']['id']}.json", bundle, key=key)
    return {"case": case, "doc": doc, "key": key, "bundle": bundle,
            "result": case / "results" / f"{doc['leak']['id']}.json"}


@pytest.fixture
def bundle(built, tmp_path):
    """A private copy of the signed bundle, to damage."""
    b = tmp_path / "bundle"
    shutil.copytree(built["bundle"], b)
    return b


# -- keys ------------------------------------------------------------------------------

def test_key_create(run, tmp_path):
    key = tmp_path / "k" / "examiner.key"
    r = run("key", "create", "--out", key)
    assert r.code == 0, r.err
    assert r.out.startswith("ed25519:") and len(r.out.strip()) == len("ed25519:") + 64
    assert r.err.startswith(f"wrote {key} (private, mode 0600")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    pub = tmp_path / "k" / "examiner.pub"
    assert pub.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert run("key", "show", "--key", key).out == r.out
    assert run("key", "show", "--key", pub).out == r.out
    again = run("key", "create", "--out", key)
    assert (again.code, again.err) == (2, f"attrib: error: {key}: already exists; keep that "
                                          "key, or give another --out\n")


def test_key_default_location(run, tmp_path, monkeypatch):
    monkeypatch.delenv("ATTRIB_EXAMINER_KEY", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert run("key", "create").code == 0
    assert (tmp_path / "cfg" / "attrib" / "examiner.key").is_file()
    monkeypatch.setenv("ATTRIB_EXAMINER_KEY", str(tmp_path / "env.key"))
    assert run("key", "create").code == 0
    assert (tmp_path / "env.key").is_file() and (tmp_path / "env.pub").is_file()


def test_readable_key_refused(built, run, tmp_path):
    key = tmp_path / "examiner.key"
    api.create_examiner_key(key)
    key.chmod(0o640)
    r = run("report", built["case"], built["result"], "--bundle", tmp_path / "b", "--key", key)
    assert r.code == 2
    assert r.err == (f"attrib: error: {key}: examiner key is readable by other users; "
                     f"run 'chmod 600 {key}'\n")
    assert not (tmp_path / "b").exists()


def test_missing_key(built, run, tmp_path):
    key = tmp_path / "none.key"
    r = run("report", built["case"], built["result"], "--bundle", tmp_path / "b", "--key", key)
    assert (r.code, r.err) == (2, f"attrib: error: {key}: no examiner key; create one with "
                                  "'attrib key create' or give --key\n")


def test_not_a_key(run, tmp_path):
    f = tmp_path / "junk.key"
    f.write_text("hello")
    f.chmod(0o600)
    r = run("key", "show", "--key", f)
    assert (r.code, r.err) == (2, f"attrib: error: {f}: not an Ed25519 public key (PEM)\n")


# -- bundles -----------------------------------------------------------------------------

def test_bundle_layout(built):
    b = built["bundle"]
    files = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files == sorted(BUNDLE_FILES)
    assert (b / "bagit.txt").read_text() == ("BagIt-Version: 1.0\n"
                                             "Tag-File-Character-Encoding: UTF-8\n")
    info = dict(line.split(": ", 1) for line in (b / "bag-info.txt").read_text().splitlines())
    assert info["External-Identifier"] == built["doc"]["case"]["case_id"]
    assert info["Contact-Name"] == "王 Examiner" and info["Personal-Data"] == "no"
    size = sum((b / f).stat().st_size for f in BUNDLE_FILES if f.startswith("data/"))
    assert info["Payload-Oxum"] == f"{size}.5"
    assert (b / "data" / "result.json").read_bytes() == built["result"].read_bytes()
    assert len((b / SIGNATURE).read_bytes()) == 64
    manifest = (b / MANIFEST).read_text().splitlines()
    assert [line.split("  ")[1] for line in manifest] == [f for f in BUNDLE_FILES
                                                          if f.startswith("data/")]


def test_bundle_written_with_report_and_logged(built, run, tmp_path):
    case = tmp_path / "case"
    shutil.copytree(built["case"], case)
    result = case / "results" / built["result"].name
    r = run("report", case, result, "-o", tmp_path / "r.html", "--bundle", tmp_path / "b",
            "--key", built["key"])
    assert r.code == 0, r.err
    assert (tmp_path / "r.html").is_file() and (tmp_path / "b" / MANIFEST).is_file()
    entry = json.loads((case / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["command"] == "report" and entry["params"]["bundle"] == "b"
    assert entry["outputs"]["manifest_sha256"] and entry["outputs"]["key"].startswith("ed25519:")
    again = run("report", case, result, "--bundle", tmp_path / "b", "--key", built["key"])
    assert (again.code, again.err) == (2, f"attrib: error: {tmp_path / 'b'}: already exists and "
                                          "is not an empty folder; give a new --bundle folder\n")


def test_verify_intact(built, run):
    r = run("verify", built["bundle"])
    assert r.code == 0, r.err
    assert r.out.replace("\n", "") == (f"{built['bundle']}: intact: 5 payload files match the "
                                       "signed manifest; signed by "
                                       f"{api.examiner_key_info(built['key'])['fingerprint']}")
    assert run("verify", built["bundle"], "--key", built["key"].with_suffix(".pub")).code == 0
    j = run("verify", built["bundle"], "--json")
    assert json.loads(j.out)["intact"] is True


def test_verify_openssl_compatible(built, tmp_path):
    """The signature is a plain Ed25519 signature: OpenSSL checks it without attrib."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("no openssl")
    b = built["bundle"]
    msg = tmp_path / "msg"
    msg.write_bytes((b / MANIFEST).read_bytes() + (b / TAGMANIFEST).read_bytes())
    proc = subprocess.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey", b / "examiner.pub",
                           "-rawin", "-in", msg, "-sigfile", b / SIGNATURE],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


#: What ``verify`` names when one byte of each file changes.
EXPECTED = {f: f"{f}: changed (SHA-256 differs from {MANIFEST})"
            for f in BUNDLE_FILES if f.startswith("data/")}
EXPECTED.update({
    "bag-info.txt": f"bag-info.txt: changed (SHA-256 differs from {TAGMANIFEST})",
    "bagit.txt": f"bagit.txt: changed (SHA-256 differs from {TAGMANIFEST})",
    MANIFEST: f"{MANIFEST}: changed after signing (signature does not verify); the payload "
              "cannot be checked against it",
    TAGMANIFEST: f"{TAGMANIFEST}: changed after signing (signature does not verify)",
    SIGNATURE: f"{SIGNATURE}: does not verify although every file matches the manifests: the "
               "signature was changed",
})


@pytest.mark.parametrize("name", BUNDLE_FILES)
@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_verify_catches_one_byte(bundle, run, name, where):
    target = bundle / name
    data = bytearray(target.read_bytes())
    i = int(len(data) * where)
    data[i] = ord("0") if data[i] != ord("0") else ord("1")  # stays text: a subtle edit
    target.write_bytes(bytes(data))
    r = run("verify", bundle)
    assert r.code == 5
    lines = r.err.splitlines()
    assert all(line.startswith(f"attrib: error: {bundle}: ") for line in lines)
    problems = [line.removeprefix(f"attrib: error: {bundle}: ") for line in lines]
    if name == "examiner.pub":
        assert any(p.startswith("examiner.pub: ") for p in problems), problems
    else:
        assert EXPECTED[name] in problems, problems
    assert r.out == ""


def test_verify_missing_and_added(bundle, run):
    (bundle / "data" / "report.md").unlink()
    (bundle / "data" / "extra.txt").write_text("x")
    (bundle / "notes.txt").write_text("x")
    r = run("verify", bundle)
    assert r.code == 5
    assert r.err == (f"attrib: error: {bundle}: data/report.md: missing\n"
                     f"attrib: error: {bundle}: data/extra.txt: added (not listed in {MANIFEST})\n"
                     f"attrib: error: {bundle}: notes.txt: added (not part of the bundle)\n")


def test_verify_signature_missing(bundle, run):
    (bundle / SIGNATURE).unlink()
    r = run("verify", bundle)
    assert (r.code, r.err) == (5, f"attrib: error: {bundle}: {SIGNATURE}: missing\n")


def test_verify_resigned_with_another_key(bundle, built, run, tmp_path):
    """A forger's bundle verifies on its own key, but not against the examiner's."""
    forged = tmp_path / "forged"
    other = tmp_path / "other.key"
    api.create_examiner_key(other)
    api.make_bundle(built["case"], built["result"], forged, key=other)
    assert run("verify", forged).code == 0
    r = run("verify", forged, "--key", built["key"].with_suffix(".pub"))
    mine = api.examiner_key_info(built["key"])["fingerprint"]
    theirs = api.examiner_key_info(other)["fingerprint"]
    assert (r.code, r.err) == (5, f"attrib: error: {forged}: examiner.pub: signed with key "
                                  f"{theirs}, not the expected {mine}\n")


def test_verify_not_a_folder(run, tmp_path):
    r = run("verify", tmp_path / "nope")
    assert (r.code, r.err) == (2, f"attrib: error: {tmp_path / 'nope'}: no such bundle folder\n")


def test_bundle_reports_are_deterministic(built, tmp_path, monkeypatch):
    """Two bundles of the same result differ only in their time fields."""
    monkeypatch.setattr(api, "utc_now", lambda: "2030-01-02T03:04:05Z")
    other = tmp_path / "again"
    api.make_bundle(built["case"], built["result"], other, key=built["key"])
    for name in ("data/report.jsonld", "data/result.json", "examiner.pub", "bagit.txt"):
        assert (other / name).read_bytes() == (built["bundle"] / name).read_bytes(), name
    for name in ("data/report.html", "data/report.md"):
        def strip(data):
            return [line for line in data.splitlines() if b"Report generated" not in line]
        assert strip((other / name).read_bytes()) == strip((built["bundle"] / name).read_bytes())


def test_private_key_never_in_bundle(built):
    secret = built["key"].read_bytes()
    body = secret.split(b"\n")[1]
    for p in built["bundle"].rglob("*"):
        if p.is_file():
            assert body not in p.read_bytes()
    assert os.stat(built["key"]).st_mode & 0o077 == 0

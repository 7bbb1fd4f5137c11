"""The case folder: the unit an examiner hands to a colleague or a court.

Layout::

    CASE/
      case.json            manifest: parameters, sources, leaks, results (with SHA-256s)
      key                  the case secret (mode 0600); never leaves the case but in kits
      sources/*.sketch     one sketch per organisation snapshot
      leaks/*.sketch       one sketch per leak, with its records' tokens
      results/*.json       attribution results
      audit.jsonl          append-only log, each entry chained to the previous one's hash

Every write is atomic (temporary file + rename) and happens under the case lock, and
the manifest is written last, so a run killed at any moment leaves the case as it was
before that run (at worst with an unreferenced file, which is ignored).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import stat
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attrib import __version__
from attrib.case.fsutil import atomic_write, case_lock, sha256_bytes, sha256_path
from attrib.errors import CaseError, IntegrityError, UsageError
from attrib.sketch import Sketch, SketchParams, from_bytes, to_bytes
from attrib.tokens import CaseKey

CASE_SCHEMA = "attrib.case/1"
DEFAULT_SCALE = 100
DEFAULT_NUM_PERM = 128
DEFAULT_SEED = 1
#: Mainland China's population (2020 census, rounded): the default size of the
#: population U from which outside records are drawn.
DEFAULT_POPULATION = 1_410_000_000
_ORG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def utc_now() -> str:
    """The current UTC time as ISO 8601 with seconds precision and a ``Z``."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_org(org: str) -> str:
    if not _ORG_RE.match(org):
        raise UsageError(
            f"invalid --org {org!r}: use 1-64 letters, digits, '_', '-' or '.' "
            "(e.g. insurer_a)"
        )
    return org


def check_date(value: str, option: str = "--snapshot") -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise UsageError(f"invalid {option} {value!r}: expected a date YYYY-MM-DD") from None


@dataclass
class Case:
    """An open case folder. Use :func:`init_case` or :func:`open_case`."""

    path: Path
    manifest: dict[str, Any]

    # -- basic facts ---------------------------------------------------------

    @property
    def case_id(self) -> str:
        return str(self.manifest["case_id"])

    @property
    def params(self) -> SketchParams:
        return SketchParams.from_dict(self.manifest["params"])

    @property
    def population(self) -> int:
        return int(self.manifest["params"]["population"])

    def key(self) -> CaseKey:
        """Load the case key, refusing a key file that others can read."""
        path = self.path / "key"
        try:
            st = path.stat()
        except FileNotFoundError:
            raise CaseError(f"{self.path}: case key file is missing") from None
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CaseError(
                f"{path}: key file is readable by other users; run 'chmod 600 {path}'"
            )
        try:
            data = json.loads(path.read_text())
            key = CaseKey(bytes.fromhex(data["secret"]), data["case_id"])
        except (ValueError, KeyError):
            raise CaseError(f"{path}: key file is damaged") from None
        if key.key_id != self.manifest["params"]["key_id"] or key.case_id != self.case_id:
            raise CaseError(f"{path}: key does not belong to this case")
        return key

    # -- manifest ------------------------------------------------------------

    def save_manifest(self) -> None:
        data = json.dumps(self.manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        atomic_write(self.path / "case.json", data.encode())

    def sources(self) -> list[dict[str, Any]]:
        return list(self.manifest["sources"])

    def leaks(self) -> list[dict[str, Any]]:
        return list(self.manifest["leaks"])

    # -- sketches ------------------------------------------------------------

    def _write_sketch(self, rel: str, sk: Sketch) -> str:
        data = to_bytes(sk)
        atomic_write(self.path / rel, data)
        return sha256_bytes(data)

    def read_sketch(self, entry: dict[str, Any]) -> Sketch:
        """Read a sketch the manifest references, verifying its recorded SHA-256."""
        path = self.path / entry["sketch"]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise IntegrityError(f"{path}: sketch file is missing from the case") from None
        if sha256_bytes(data) != entry["sketch_sha256"]:
            raise IntegrityError(
                f"{path}: sketch file was modified outside attrib (SHA-256 differs from "
                "case.json); restore it from a copy of the case"
            )
        return from_bytes(data, name=str(path))

    def add_source(self, sk: Sketch, *, origin: str) -> dict[str, Any]:
        """Store a source snapshot sketch and register it in the manifest."""
        org, snap = sk.meta["org"], sk.meta["snapshot"]
        sid = f"{org}@{snap}"
        if any(s["id"] == sid for s in self.manifest["sources"]):
            raise CaseError(
                f"{self.path}: case already has a source {sid}; use another --snapshot "
                "or --org"
            )
        rel = f"sources/{sid}.sketch"
        digest = self._write_sketch(rel, sk)
        entry = {
            "id": sid, "org": org, "snapshot": snap, "origin": origin,
            "sketch": rel, "sketch_sha256": digest, "input": sk.meta.get("input", {}),
            "rows": sk.rows, "has_exact": sk.exact is not None, "added": utc_now(),
        }
        self.manifest["sources"].append(entry)
        self.manifest["sources"].sort(key=lambda s: (s["org"], s["snapshot"]))
        self.save_manifest()
        return entry

    def add_leak(self, sk: Sketch) -> dict[str, Any]:
        """Store a leak sketch (replacing an earlier sketch of the same file)."""
        digest_in = sk.meta["input"]["sha256"]
        lid = f"leak-{digest_in[:12]}"
        rel = f"leaks/{lid}.sketch"
        digest = self._write_sketch(rel, sk)
        entry = {"id": lid, "sketch": rel, "sketch_sha256": digest,
                 "input": sk.meta.get("input", {}), "rows": sk.rows, "added": utc_now()}
        self.manifest["leaks"] = [e for e in self.manifest["leaks"] if e["id"] != lid]
        self.manifest["leaks"].append(entry)
        self.save_manifest()
        return entry

    def save_result(self, leak_id: str, document: dict[str, Any]) -> dict[str, Any]:
        """Store an attribution result document in the case."""
        data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
        rel = f"results/{leak_id}.json"
        atomic_write(self.path / rel, data)
        entry = {"id": leak_id, "file": rel, "sha256": sha256_bytes(data), "created": utc_now()}
        self.manifest["results"] = [r for r in self.manifest["results"] if r["id"] != leak_id]
        self.manifest["results"].append(entry)
        self.save_manifest()
        return entry

    # -- audit log -----------------------------------------------------------

    def log(self, command: str, params: dict[str, Any], outputs: dict[str, Any]) -> None:
        """Append one entry to the hash-chained audit log."""
        from attrib.case.audit import append_entry

        append_entry(self.path / "audit.jsonl", command, params, outputs)


def init_case(
    path: Path,
    *,
    scale: int = DEFAULT_SCALE,
    num_perm: int = DEFAULT_NUM_PERM,
    seed: int = DEFAULT_SEED,
    population: int = DEFAULT_POPULATION,
    examiner: str | None = None,
) -> Case:
    """Create a new case folder with a fresh secret key."""
    path = Path(path)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise CaseError(f"{path}: already exists and is not an empty folder")
    if scale < 1 or num_perm < 16 or population < 1:
        raise UsageError("invalid parameters: --scale >= 1, --num-perm >= 16, --population >= 1")
    path.mkdir(parents=True, exist_ok=True)
    case_id = str(uuid.uuid4())
    key = CaseKey(secrets.token_bytes(32), case_id)
    key_data = json.dumps({"case_id": case_id, "secret": key.secret.hex()}) + "\n"
    atomic_write(path / "key", key_data.encode(), mode=0o600)
    params = SketchParams(scale=scale, num_perm=num_perm, seed=seed, key_id=key.key_id)
    manifest = {
        "schema": CASE_SCHEMA,
        "case_id": case_id,
        "created": utc_now(),
        "examiner": examiner,
        "tool_version": __version__,
        "params": {**params.to_dict(), "population": population},
        "sources": [],
        "leaks": [],
        "results": [],
    }
    case = Case(path, manifest)
    with case_lock(path):
        case.save_manifest()
        case.log("case init", {"scale": scale, "num_perm": num_perm, "seed": seed,
                               "population": population, "examiner": examiner},
                 {"case_id": case_id, "key_id": key.key_id})
    return case


def open_case(path: Path) -> Case:
    """Open an existing case folder, checking its manifest."""
    path = Path(path)
    manifest_path = path / "case.json"
    if not path.is_dir():
        raise CaseError(f"{path}: no such case folder (create it with 'attrib case init {path}')")
    if not manifest_path.is_file():
        raise CaseError(f"{path}: not an attrib case (case.json is missing)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CaseError(f"{manifest_path}: case manifest is damaged (not valid JSON)") from None
    if manifest.get("schema") != CASE_SCHEMA:
        raise CaseError(f"{manifest_path}: unknown case schema {manifest.get('schema')!r}")
    return Case(path, manifest)


def file_facts(path: Path) -> dict[str, Any]:
    """SHA-256, size and name of an input file, as the report lists them."""
    path = Path(path)
    return {"file": path.name, "path": os.fspath(path.resolve()), "sha256": sha256_path(path),
            "size_bytes": path.stat().st_size}

"""The case folder: the unit an examiner hands to a colleague or a court.

Layout::

    CASE/
      case.json            manifest: parameters, sources, leaks, results (with SHA-256s),
                           sealed by an HMAC under the case key ("checksum")
      key                  the case secret (mode 0600); never leaves the case but in kits
      sources/*.sketch     one sketch per organisation snapshot
      leaks/*.sketch       one sketch per leak, with its records' tokens
      results/*.json       attribution results
      audit.jsonl          append-only log, each entry chained to the previous one's hash
      .lock                the case lock (``attrib.case.fsutil.case_lock``)

Crash safety. Every change happens under the case lock and in three steps:

1. *stage*: each new file is written atomically beside its final name, as
   ``.NAME.staged``;
2. *commit*: the manifest, naming the new files and their SHA-256s, is written
   atomically: this rename is the moment the change happens;
3. *publish*: each staged file is renamed to its final name.

A process killed before step 2 leaves the case as it was (plus a staged file that the
next command deletes); killed after it, the change is made, and the next command that
takes the lock finishes step 3 (:meth:`Case.recover`). Readers accept a committed
file that is still staged, so at every instant each file the manifest names exists
and matches its recorded SHA-256, and an earlier result is never overwritten before
the manifest says so. The audit entry is appended after the commit (see
``attrib.case.audit`` for a torn last line).

Integrity. ``case.json`` carries an HMAC-SHA256 under a subkey of the case key, checked
each time a case is opened; every sketch and result is checked against the SHA-256 the
manifest records when it is read. A file changed outside attrib is reported
(:class:`attrib.errors.IntegrityError`), never used.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from attrib import __version__
from attrib.case.fsutil import (
    atomic_write,
    case_lock,
    holds_lock,
    refuse_shared_secret,
    remove_stale_temporaries,
    replace_file,
    sha256_bytes,
    sha256_path,
)
from attrib.errors import CaseError, IntegrityError, SketchError, UsageError
from attrib.sketch import Sketch, SketchParams, from_bytes, write_sketch
from attrib.tokens import CaseKey

CASE_SCHEMA = "attrib.case/1"
DEFAULT_SCALE = 100
DEFAULT_NUM_PERM = 128
DEFAULT_SEED = 1
#: Mainland China's population (2020 census, rounded): the default size of the
#: population U from which outside records are drawn.
DEFAULT_POPULATION = 1_410_000_000
_ORG_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: Domain of the manifest's HMAC subkey (never used for anything else).
MANIFEST_MAC = b"attrib-manifest/1"
STAGED_SUFFIX = ".staged"
_RESTORE = "restore it from a copy of the case"


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


def manifest_checksum(manifest: dict[str, Any], key: CaseKey) -> str:
    """The manifest's seal: HMAC-SHA256 of its canonical JSON (without ``checksum``).

    Keyed, so that whoever edits ``case.json`` without the case key cannot make a
    valid seal; a plain hash would be recomputed by anyone.
    """
    subkey = hmac.new(key.secret, MANIFEST_MAC + b"\x00" + key.case_id.encode(),
                      hashlib.sha256).digest()
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "hmac-sha256:" + hmac.new(subkey, canonical.encode(), hashlib.sha256).hexdigest()


def read_key_file(path: Path, *, id_field: str = "case_id", owner: str = "case") -> CaseKey:
    """Load a key file (a case's, or with ``id_field="registry_id"`` a leak registry's),
    refusing one that group or others can access.

    Raises:
        CaseError: Missing, unreadable, too open, or damaged.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise CaseError(f"{path.parent}: {owner} key file is missing") from None
    refuse_shared_secret(path, st, "key file", CaseError)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CaseKey(bytes.fromhex(data["secret"]), str(data[id_field]))
    except PermissionError:
        raise CaseError(f"{path}: cannot read the {owner} key (permission denied); run "
                        f"attrib as the user who owns the {owner}") from None
    except IsADirectoryError:
        raise CaseError(f"{path}: key file is damaged (a folder)") from None
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise CaseError(f"{path}: key file is damaged") from None


def staged_path(final: Path) -> Path:
    """Where a file is staged before the manifest commits it: ``.NAME.staged``."""
    return final.with_name(f".{final.name}{STAGED_SUFFIX}")


@dataclass
class Case:
    """An open case folder. Use :func:`init_case` or :func:`open_case`."""

    path: Path
    manifest: dict[str, Any]
    _key: CaseKey | None = field(default=None, repr=False, compare=False)

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
        if self._key is None:
            path = self.path / "key"
            key = read_key_file(path)
            params = self.manifest.get("params")
            params = params if isinstance(params, dict) else {}
            if key.key_id != params.get("key_id") or key.case_id != self.manifest.get("case_id"):
                raise CaseError(f"{path}: key does not belong to this case")
            self._key = key
        return self._key

    # -- manifest ------------------------------------------------------------

    def save_manifest(self) -> None:
        """Seal and write the manifest atomically: the commit point of every change."""
        self.manifest["checksum"] = manifest_checksum(self.manifest, self.key())
        data = json.dumps(self.manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        atomic_write(self.path / "case.json", data.encode())

    def verify_manifest(self) -> None:
        """Check the manifest's seal.

        Raises:
            IntegrityError: ``case.json`` was changed outside attrib (or has no seal).
            CaseError: The key is missing, too open or not this case's.
        """
        manifest_path = self.path / "case.json"
        key = self.key()  # first: a key swapped for another case's is a key problem
        recorded = self.manifest.get("checksum")
        if not isinstance(recorded, str):
            raise IntegrityError(f"{manifest_path}: case manifest has no checksum (modified "
                                 "outside attrib, or written before attrib sealed manifests); "
                                 f"{_RESTORE}")
        if not hmac.compare_digest(recorded, manifest_checksum(self.manifest, key)):
            raise IntegrityError(f"{manifest_path}: case manifest was modified outside attrib "
                                 f"(checksum differs); {_RESTORE}")

    def sources(self) -> list[dict[str, Any]]:
        return list(self.manifest["sources"])

    def leaks(self) -> list[dict[str, Any]]:
        return list(self.manifest["leaks"])

    def results(self) -> list[dict[str, Any]]:
        return list(self.manifest["results"])

    # -- staged writes and recovery -----------------------------------------

    def _stage(self, rel: str, data: bytes) -> str:
        """Write a file's next content beside it (step 1); return its SHA-256."""
        atomic_write(staged_path(self.path / rel), data)
        return sha256_bytes(data)

    def _stage_sketch(self, rel: str, sk: Sketch) -> str:
        """Write a sketch file beside its place (step 1), streamed; return its SHA-256."""
        digest: list[str] = []
        atomic_write(staged_path(self.path / rel), lambda fh: digest.append(write_sketch(sk, fh)))
        return digest[0]

    def _commit(self, *rels: str) -> None:
        """Write the manifest (step 2), then move the staged files into place (step 3)."""
        self.save_manifest()
        for rel in rels:
            replace_file(staged_path(self.path / rel), self.path / rel)

    def committed_files(self) -> dict[str, str]:
        """Every file the manifest names (relative path) and its recorded SHA-256."""
        files = {e["sketch"]: e["sketch_sha256"] for e in self.manifest["sources"]}
        files.update({e["sketch"]: e["sketch_sha256"] for e in self.manifest["leaks"]})
        files.update({e["file"]: e["sha256"] for e in self.manifest["results"]})
        return files

    def recover(self) -> dict[str, list[str]]:
        """Finish or undo what an interrupted command left (call holding the case lock).

        A staged file the manifest already names with the staged content is moved into
        place (the change was committed); any other staged file, and every temporary
        file of an interrupted atomic write, is deleted (the change never happened).
        What was done is recorded in the audit log (``case recover``).

        Returns:
            ``{"published": [...], "discarded": [...]}``, relative paths.
        """
        committed = self.committed_files()
        done: dict[str, list[str]] = {"published": [], "discarded": []}
        for tmp in remove_stale_temporaries(self.path):
            done["discarded"].append(os.fspath(tmp.relative_to(self.path)))
        for folder in ("sources", "leaks", "results"):
            base = self.path / folder
            if not base.is_dir():
                continue
            for staged in sorted(base.glob(f".*{STAGED_SUFFIX}")):
                rel = f"{folder}/{staged.name[1:-len(STAGED_SUFFIX)]}"
                if committed.get(rel) == sha256_path(staged):
                    replace_file(staged, self.path / rel)
                    done["published"].append(rel)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        staged.unlink()
                    done["discarded"].append(os.fspath(staged.relative_to(self.path)))
        if done["published"] or done["discarded"]:
            self.log("case recover", {"reason": "an interrupted command"}, done)
        return done

    def read_verified(self, rel: str, sha256: str, what: str) -> bytes:
        """Read a file the manifest names, checking it against its recorded SHA-256.

        A committed file not yet moved into place (a command died between commit and
        publish, or is publishing right now) is read from its staged copy.

        Args:
            rel: The path relative to the case folder, as the manifest records it.
            sha256: The SHA-256 the manifest records.
            what: What the file is, for messages (``"sketch"``, ``"result"``).

        Raises:
            IntegrityError: The file is missing or differs from its recorded SHA-256.
        """
        final = self.path / rel
        found = False
        # final, staged, final again: a concurrent publish may move it in between.
        for candidate in (final, staged_path(final), final):
            try:
                data = candidate.read_bytes()
            except (FileNotFoundError, IsADirectoryError):
                continue
            found = found or candidate == final
            if sha256_bytes(data) == sha256:
                return data
        if not found:
            raise IntegrityError(f"{final}: {what} file is missing from the case")
        raise IntegrityError(f"{final}: {what} file was modified outside attrib (SHA-256 "
                             f"differs from case.json); {_RESTORE}")

    # -- sketches ------------------------------------------------------------

    def read_sketch(self, entry: dict[str, Any]) -> Sketch:
        """Read a sketch the manifest references, verifying its recorded SHA-256."""
        data = self.read_verified(entry["sketch"], entry["sketch_sha256"], "sketch")
        name = str(self.path / entry["sketch"])
        try:
            return from_bytes(data, name=name)
        except (KeyError, TypeError, AttributeError, IndexError, ValueError):
            # Only reachable with a hostile sketch imported by an older attrib.
            raise SketchError(f"{name}: sketch file is malformed") from None

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
        digest = self._stage_sketch(rel, sk)
        entry = {
            "id": sid, "org": org, "snapshot": snap, "origin": origin,
            "sketch": rel, "sketch_sha256": digest, "input": sk.meta.get("input", {}),
            "rows": sk.rows, "has_exact": sk.exact is not None, "added": utc_now(),
        }
        self.manifest["sources"].append(entry)
        self.manifest["sources"].sort(key=lambda s: (s["org"], s["snapshot"]))
        self._commit(rel)
        return entry

    def add_leak(self, sk: Sketch) -> dict[str, Any]:
        """Store a leak sketch (replacing an earlier sketch of the same file)."""
        return self.commit_leak(self.stage_leak(sk))

    def stage_leak(self, sk: Sketch) -> dict[str, Any]:
        """Write a leak sketch's staged file (step 1 of :meth:`add_leak`; touches nothing
        else, so it may run while the caller reads the case); return its manifest entry."""
        digest_in = sk.meta["input"]["sha256"]
        lid = f"leak-{digest_in[:12]}"
        rel = f"leaks/{lid}.sketch"
        digest = self._stage_sketch(rel, sk)
        return {"id": lid, "sketch": rel, "sketch_sha256": digest,
                "input": sk.meta.get("input", {}), "rows": sk.rows, "added": utc_now()}

    def commit_leak(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Register a staged leak sketch (steps 2 and 3 of :meth:`add_leak`)."""
        self.manifest["leaks"] = [e for e in self.manifest["leaks"] if e["id"] != entry["id"]]
        self.manifest["leaks"].append(entry)
        self._commit(entry["sketch"])
        return entry

    def discard_staged(self, entry: dict[str, Any]) -> None:
        """Delete a staged file that will not be committed."""
        with contextlib.suppress(FileNotFoundError):
            staged_path(self.path / entry["sketch"]).unlink()

    # -- results -------------------------------------------------------------

    def save_result(self, leak_id: str, document: dict[str, Any]) -> dict[str, Any]:
        """Store an attribution result document in the case.

        The entry keeps the SHA-256s of the leak's earlier results
        (``earlier_sha256``), so that a copy of an earlier result can still be
        verified (:meth:`verify_result`) after a newer one replaced it in the case.
        """
        data = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
        rel = f"results/{leak_id}.json"
        digest = self._stage(rel, data)
        old = next((r for r in self.manifest["results"] if r["id"] == leak_id), None)
        earlier = [*old.get("earlier_sha256", []), old["sha256"]] if old else []
        entry = {"id": leak_id, "file": rel, "sha256": digest, "created": utc_now(),
                 "earlier_sha256": [s for s in earlier if s != digest]}
        self.manifest["results"] = [r for r in self.manifest["results"] if r["id"] != leak_id]
        self.manifest["results"].append(entry)
        self._commit(rel)
        return entry

    def verify_result(self, path: Path, data: bytes) -> None:
        """Check that a result document is one this case stored, unmodified.

        ``data`` (the bytes of ``path``) must have the SHA-256 the manifest records
        for the result of its leak, now or earlier: a copy written by ``attribute
        --json`` qualifies, a hand-edited one does not.

        Raises:
            IntegrityError: No result of this case has these bytes.
        """
        try:
            leak_id = json.loads(data)["leak"]["id"]
        except (ValueError, KeyError, TypeError):
            leak_id = None
        digest = sha256_bytes(data)
        entry = next((r for r in self.manifest["results"] if r["id"] == leak_id), None)
        if entry is None:
            raise IntegrityError(f"{path}: result is not recorded in this case (no result of "
                                 "its leak in case.json); attribute the leak again")
        if digest != entry["sha256"] and digest not in entry.get("earlier_sha256", []):
            raise IntegrityError(f"{path}: result was modified outside attrib (SHA-256 "
                                 "matches no result case.json records); use the case's "
                                 "copy in results/ or attribute the leak again")

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
    """Create a new case folder with a fresh secret key.

    The folder is checked again for emptiness under the case lock, so two
    ``case init`` racing on one folder never mix one's key with the other's manifest.
    """
    path = Path(path)
    if path.exists() and (not path.is_dir() or _holds_files(path)):
        raise CaseError(f"{path}: already exists and is not an empty folder")
    if scale < 1 or num_perm < 16 or population < 1:
        raise UsageError("invalid parameters: --scale >= 1, --num-perm >= 16, --population >= 1")
    path.mkdir(parents=True, exist_ok=True)
    with case_lock(path):
        if _holds_files(path):  # again under the lock: another init may have won the race
            raise CaseError(f"{path}: already exists and is not an empty folder")
        case_id = str(uuid.uuid4())
        key = CaseKey(secrets.token_bytes(32), case_id)
        key_data = json.dumps({"case_id": case_id, "secret": key.secret.hex()}) + "\n"
        atomic_write(path / "key", key_data.encode(), mode=0o600)
        params = SketchParams(scale=scale, num_perm=num_perm, seed=seed, key_id=key.key_id)
        manifest: dict[str, Any] = {
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
        case = Case(path, manifest, key)
        case.save_manifest()
        case.log("case init", {"scale": scale, "num_perm": num_perm, "seed": seed,
                               "population": population, "examiner": examiner},
                 {"case_id": case_id, "key_id": key.key_id})
    return case


def _holds_files(folder: Path) -> bool:
    """Whether a folder holds anything but a case lock file."""
    return any(p.name != ".lock" for p in folder.iterdir())


def _load_manifest(path: Path) -> dict[str, Any]:
    manifest_path = path / "case.json"
    if not path.is_dir():
        raise CaseError(f"{path}: no such case folder (create it with 'attrib case init {path}')")
    if not manifest_path.is_file():
        raise CaseError(f"{path}: not an attrib case (case.json is missing)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CaseError(f"{manifest_path}: case manifest is damaged (not valid JSON)") from None
    except PermissionError:
        raise CaseError(f"{manifest_path}: cannot read the case manifest (permission "
                        "denied)") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != CASE_SCHEMA:
        schema = manifest.get("schema") if isinstance(manifest, dict) else None
        raise CaseError(f"{manifest_path}: unknown case schema {schema!r}")
    return manifest


def open_case(path: Path) -> Case:
    """Open an existing case folder, checking its manifest's seal.

    Opened by a process holding the case lock, the case is also recovered from any
    command that died halfway (:meth:`Case.recover`).

    Raises:
        CaseError: Not a case, an unreadable manifest, or a missing/too open key.
        IntegrityError: ``case.json`` was modified outside attrib.
    """
    path = Path(path)
    case = Case(path, _load_manifest(path))
    case.verify_manifest()
    if holds_lock(path):
        case.recover()
    return case


def file_facts(path: Path) -> dict[str, Any]:
    """SHA-256, size and name of an input file, as the report lists them."""
    path = Path(path)
    return {"file": path.name, "path": os.fspath(path.resolve()), "sha256": sha256_path(path),
            "size_bytes": path.stat().st_size}

"""Evidence bundles: a BagIt (RFC 8493) bag of the reports, signed by the examiner.

Layout::

    DIR/bagit.txt                 BagIt version and tag-file encoding
    DIR/bag-info.txt              case, examiner, tool, bagging time, Payload-Oxum,
                                  Signing-Key (the key's fingerprint)
    DIR/data/...                  the payload: reports and the result document
    DIR/manifest-sha256.txt       SHA-256 of every payload file
    DIR/examiner.pub              the examiner's Ed25519 public key (PEM)
    DIR/tagmanifest-sha256.txt    SHA-256 of the four files above
    DIR/signature.ed25519         64-byte Ed25519 signature of
                                  manifest-sha256.txt || tagmanifest-sha256.txt

The signature covers both manifests, the tag manifest covers the manifest and the
key, the manifest covers the payload: one chain from the signature to every byte.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from attrib import signing
from attrib.case.fsutil import atomic_write
from attrib.errors import InputError, UsageError

MANIFEST = "manifest-sha256.txt"
TAGMANIFEST = "tagmanifest-sha256.txt"
SIGNATURE = "signature.ed25519"
PUBLIC_KEY = "examiner.pub"
BAGIT = "bagit.txt"
BAG_INFO = "bag-info.txt"
TAG_FILES = (BAGIT, BAG_INFO, MANIFEST, PUBLIC_KEY)
BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_text(files: dict[str, bytes]) -> bytes:
    """BagIt manifest lines ``<sha256>  <path>``, sorted by path (deterministic)."""
    return "".join(f"{_sha256(data)}  {name}\n" for name, data in sorted(files.items())).encode()


def bag_info_text(info: dict[str, str]) -> bytes:
    """``Label: value`` lines; a newline inside a value would start a bogus label."""
    return "".join(f"{k}: {' '.join(str(v).split())}\n" for k, v in info.items()).encode()


def signed_message(folder: Path) -> bytes:
    """What the signature covers: the manifest's bytes, then the tag manifest's."""
    return (folder / MANIFEST).read_bytes() + (folder / TAGMANIFEST).read_bytes()


def write_bundle(folder: Path, payload: dict[str, bytes], *, key: Ed25519PrivateKey,
                 info: dict[str, str]) -> dict[str, str]:
    """Write a signed bag into an empty or new folder.

    Args:
        folder: the bundle folder (must not exist, or be empty).
        payload: file name (under ``data/``) to bytes.
        key: the examiner's private key.
        info: ``bag-info.txt`` labels and values (Payload-Oxum is added).

    Returns:
        The manifest's and tag manifest's SHA-256 and the key fingerprint.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(f"{folder}: already exists and is not an empty folder; "
                         "give a new --bundle folder")
    data = {f"data/{name}": body for name, body in payload.items()}
    oxum = f"{sum(len(b) for b in data.values())}.{len(data)}"
    tags = {
        BAGIT: BAGIT_TXT,
        BAG_INFO: bag_info_text({**info, "Payload-Oxum": oxum,
                                 "Signing-Key": signing.fingerprint(key.public_key())}),
        MANIFEST: manifest_text(data),
        PUBLIC_KEY: signing.public_bytes(key.public_key()),
    }
    tagmanifest = manifest_text(tags)
    signature = signing.sign(key, tags[MANIFEST] + tagmanifest)
    for name, body in {**data, **tags, TAGMANIFEST: tagmanifest, SIGNATURE: signature}.items():
        atomic_write(folder / name, body)
    return {"manifest_sha256": _sha256(tags[MANIFEST]),
            "tagmanifest_sha256": _sha256(tagmanifest),
            "key": signing.fingerprint(key.public_key())}


@dataclass
class Check:
    """The outcome of checking one manifest against the files it lists."""

    problems: list[tuple[str, str]] = field(default_factory=list)  # (file, message)
    checked: int = 0

    def files(self) -> set[str]:
        return {f for f, _ in self.problems}


def parse_manifest(folder: Path, name: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """A manifest's ``path -> sha256`` and its malformed-line problems."""
    path = folder / name
    if not path.is_file():
        return {}, [(name, f"{name}: missing")]
    entries, problems = {}, []
    for n, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), 1):
        digest, _, rel = line.partition(" ")
        rel = rel.strip()
        if len(digest) != 64 or not rel or any(c not in "0123456789abcdef" for c in digest):
            problems.append((name, f"{name}: line {n} is malformed"))
            continue
        entries[rel] = digest
    return entries, problems


def check_files(folder: Path, name: str, present: list[str]) -> Check:
    """Compare the files a manifest lists with the files present.

    Args:
        folder: the bundle folder.
        name: the manifest's file name.
        present: the files (relative paths) this manifest should cover.
    """
    entries, problems = parse_manifest(folder, name)
    check = Check(problems)
    if problems and not entries:
        return check
    for rel, digest in sorted(entries.items()):
        target = folder / rel
        if not target.is_file():
            check.problems.append((rel, f"{rel}: missing"))
        elif _sha256(target.read_bytes()) != digest:
            check.problems.append((rel, f"{rel}: changed (SHA-256 differs from {name})"))
        else:
            check.checked += 1
    check.problems += [(rel, f"{rel}: added (not listed in {name})")
                       for rel in sorted(set(present) - set(entries))]
    return check


def _payload_files(folder: Path) -> list[str]:
    data = folder / "data"
    if not data.is_dir():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in data.rglob("*") if p.is_file())


def _stray_files(folder: Path) -> list[tuple[str, str]]:
    known = {*TAG_FILES, TAGMANIFEST, SIGNATURE, "data"}
    return [(p.name, f"{p.name}: added (not part of the bundle)")
            for p in sorted(folder.iterdir()) if p.name not in known]


def _signature_state(folder: Path) -> tuple[bool | None, list[tuple[str, str]], str | None]:
    """(signature valid?, problems, key fingerprint); None when it cannot be checked."""
    pub_path, sig_path = folder / PUBLIC_KEY, folder / SIGNATURE
    if not pub_path.is_file():
        return None, [], None  # reported by the tag manifest check
    key = signing.parse_public_key(pub_path.read_bytes())
    if key is None:
        return None, [(PUBLIC_KEY, f"{PUBLIC_KEY}: not an Ed25519 public key")], None
    if not sig_path.is_file():
        return None, [(SIGNATURE, f"{SIGNATURE}: missing")], signing.fingerprint(key)
    if not (folder / MANIFEST).is_file() or not (folder / TAGMANIFEST).is_file():
        return None, [], signing.fingerprint(key)
    ok = signing.verify(key, sig_path.read_bytes(), signed_message(folder))
    return ok, [], signing.fingerprint(key)


def bag_info_key(folder: Path) -> str | None:
    """The key fingerprint ``bag-info.txt`` records (``Signing-Key``), if any."""
    path = folder / BAG_INFO
    if not path.is_file():
        return None
    for line in path.read_bytes().decode("utf-8", "replace").splitlines():
        label, _, value = line.partition(":")
        if label == "Signing-Key":
            return value.strip()
    return None


def diagnose_bad_signature(payload: Check, tags: Check, key_as_recorded: bool
                           ) -> list[tuple[str, str]]:
    """Name the file whose change made the signature fail.

    A payload file or a tag file changed on its own leaves the signature valid (it
    covers only the manifests), so a failing signature means a manifest, the key or the
    signature itself changed; which one follows from what else no longer matches.

    Args:
        payload: the payload check against the manifest.
        tags: the tag-file check against the tag manifest.
        key_as_recorded: whether ``examiner.pub`` has the fingerprint bag-info records.
    """
    if PUBLIC_KEY in tags.files() and not key_as_recorded:
        return [(SIGNATURE, f"{SIGNATURE}: cannot be checked: {PUBLIC_KEY} was changed")]
    if not payload.problems and not tags.problems:
        return [(SIGNATURE, f"{SIGNATURE}: does not verify although every file matches the "
                            "manifests: the signature was changed")]
    if MANIFEST in tags.files() and payload.problems:
        return [(MANIFEST, f"{MANIFEST}: changed after signing (signature does not verify); "
                           "the payload cannot be checked against it")]
    return [(TAGMANIFEST, f"{TAGMANIFEST}: changed after signing (signature does not verify)")]


def _keep(problems: list[tuple[str, str]], blamed: str) -> list[tuple[str, str]]:
    """Drop the mismatches that are mere consequences of the blamed manifest's change."""
    if blamed == MANIFEST:
        return []
    if blamed == TAGMANIFEST:
        return [p for p in problems if p[0] == TAGMANIFEST]
    return problems


def verify_bundle(folder: Path, expected_key: str | None = None) -> dict[str, object]:
    """Check every hash and the signature of a bundle.

    Args:
        folder: the bundle folder.
        expected_key: a fingerprint the signing key must have (``--key``), if any.

    Returns:
        ``{"intact", "problems" (one line each), "payload_files", "key"}``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such bundle folder")
    payload = check_files(folder, MANIFEST, _payload_files(folder))
    tags = check_files(folder, TAGMANIFEST, [n for n in TAG_FILES if (folder / n).is_file()])
    ok, sig_problems, key = _signature_state(folder)
    if ok is False:
        blamed = diagnose_bad_signature(payload, tags, key == bag_info_key(folder))
        if blamed[0][0] == MANIFEST:
            payload.problems = _keep(payload.problems, MANIFEST)
            tags.problems = [p for p in tags.problems if p[0] != MANIFEST]
        elif blamed[0][0] == TAGMANIFEST:
            tags.problems = _keep(tags.problems, TAGMANIFEST)
        sig_problems += blamed
    if expected_key and key and key != expected_key:
        sig_problems.append((PUBLIC_KEY, f"{PUBLIC_KEY}: signed with key {key}, not the "
                                         f"expected {expected_key}"))
    lines = [m for _, m in tags.problems + payload.problems + sig_problems + _stray_files(folder)]
    return {"intact": not lines, "problems": lines, "payload_files": payload.checked,
            "key": key}

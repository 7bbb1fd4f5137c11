"""The examiner's Ed25519 key: create it, load it safely, sign and verify.

The private key is a PKCS#8 PEM file of mode 0600 (refused when group or others can
read it); the public key is a SubjectPublicKeyInfo PEM file beside it (``.pub``).
Both are standard formats, so a court's expert can check a bundle's signature with
OpenSSL alone (docs/report.md).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from attrib.case.fsutil import atomic_write, refuse_shared_secret
from attrib.errors import UsageError


def default_key_path() -> Path:
    """``$ATTRIB_EXAMINER_KEY``, else ``$XDG_CONFIG_HOME/attrib/examiner.key``.

    ``XDG_CONFIG_HOME`` defaults to ``~/.config``: the key belongs to the examiner,
    not to a case, so it lives in the examiner's configuration, not in a case folder.
    """
    env = os.environ.get("ATTRIB_EXAMINER_KEY")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "attrib" / "examiner.key"


def public_path(private_path: Path) -> Path:
    """Where the public key of a private key file lives: same name, ``.pub``."""
    private_path = Path(private_path)
    if private_path.suffix == ".key":
        return private_path.with_suffix(".pub")
    return private_path.with_name(private_path.name + ".pub")


def public_bytes(key: Ed25519PublicKey) -> bytes:
    """A public key as PEM (SubjectPublicKeyInfo)."""
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(key: Ed25519PublicKey) -> str:
    """``ed25519:`` + the SHA-256 of the 32 raw public-key bytes, in hex."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class KeyFiles:
    """Where ``attrib key create`` put a key pair, and its fingerprint."""

    private: Path
    public: Path
    fingerprint: str


def create_key(path: Path | None = None) -> KeyFiles:
    """Create a new examiner key pair; never overwrites an existing key.

    Args:
        path: the private key file (default :func:`default_key_path`).
    """
    path = Path(path) if path else default_key_path()
    pub = public_path(path)
    for target in (path, pub):
        if target.exists():
            raise UsageError(f"{target}: already exists; keep that key, or give another --out")
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    atomic_write(path, pem, mode=0o600)
    atomic_write(pub, public_bytes(key.public_key()), mode=0o644)
    return KeyFiles(path, pub, fingerprint(key.public_key()))


def load_private_key(path: Path | None = None) -> Ed25519PrivateKey:
    """Load the examiner's private key, refusing one that others can read."""
    path = Path(path) if path else default_key_path()
    try:
        st = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: no examiner key; create one with 'attrib key create' "
                         "or give --key") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder, not an examiner key file") from None
    refuse_shared_secret(path, st, "examiner key", UsageError)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise UsageError(f"{path}: not an Ed25519 private key (PEM)") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{path}: not an Ed25519 private key (PEM)")
    return key


def parse_public_key(data: bytes) -> Ed25519PublicKey | None:
    """A PEM public key, or None when the bytes are not an Ed25519 public key."""
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def load_public_key(path: Path) -> Ed25519PublicKey:
    """Load a public key file (``.pub``), or the public half of a private key file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        raise UsageError(f"{path}: no such public key file") from None
    key = parse_public_key(data)
    if key is not None:
        return key
    if b"PRIVATE KEY" in data:
        return load_private_key(path).public_key()
    raise UsageError(f"{path}: not an Ed25519 public key (PEM)")


def sign(key: Ed25519PrivateKey, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message``."""
    return key.sign(message)


def verify(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is ``key``'s signature of ``message``."""
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True

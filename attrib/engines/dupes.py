"""Exact duplicate counts over a whole snapshot in bounded memory.

A snapshot's quality counts include the number of records identical, after
normalisation, to an earlier one. That needs every record's 64-bit digest
(``attrib.api.row_digests``) at once: 800 MB for 10^8 records, more than the whole
budget of a 10^8-row sketch once sorting copies it. :class:`DuplicateCounter` keeps
up to ``memory_digests`` digests in memory and spills the rest to a private temporary
folder, split into buckets by their top bits, so that counting needs one bucket in
memory at a time. The count is exact either way.

Digests leave memory (temporary files here, Spark's shuffle files in the Spark engine)
only *sealed*: passed through a keyed 64-bit permutation. A bare digest of a record
with few fields (a list of phone numbers) could be brute-forced like an unkeyed token;
a sealed one cannot without the case key. Sealing is a bijection, so sealed digests
collide exactly when the digests do: the count is unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import tempfile
import weakref
from pathlib import Path

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from attrib.tokens import CaseKey

SEAL_SPEC = b"attrib-dup-seal/1"
_ROUNDS = 4
_SEAL_CHUNK = 1 << 20  # digests sealed at once: bounds the 16-byte AES block matrix
_BUCKET_BITS = 8


def seal_key(key: CaseKey) -> bytes:
    """The 128-bit AES key that seals a case's digests (domain-separated from tokens)."""
    msg = SEAL_SPEC + b"\x00" + key.case_id.encode()
    return hmac.new(key.secret, msg, hashlib.sha256).digest()[:16]


def seal(digests: np.ndarray, aes_key: bytes) -> np.ndarray:
    """Apply a keyed permutation of 64-bit integers to every digest.

    A four-round Feistel network on 32-bit halves whose round function is AES-128
    (the Luby-Rackoff construction): invertible, so distinct digests stay distinct.

    Args:
        digests: uint64 array.
        aes_key: 16 bytes from :func:`seal_key`.

    Returns:
        A new uint64 array of the same length.
    """
    digests = np.ascontiguousarray(digests, dtype=np.uint64)
    out = np.empty_like(digests)
    enc = Cipher(algorithms.AES(aes_key), modes.ECB()).encryptor()
    for start in range(0, digests.size, _SEAL_CHUNK):
        chunk = digests[start:start + _SEAL_CHUNK]
        left = (chunk >> np.uint64(32)).astype(np.uint32)
        right = (chunk & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        blocks = np.zeros((chunk.size, 4), dtype=np.uint32)
        for r in range(_ROUNDS):
            blocks[:, 0] = r  # the round number keeps the rounds' functions independent
            blocks[:, 1] = right
            f = np.frombuffer(enc.update(blocks.tobytes()), dtype=np.uint32)[::4]
            left, right = right, left ^ f
        out[start:start + chunk.size] = (left.astype(np.uint64) << np.uint64(32)) | right
    return out


def _sorted_duplicates(values: np.ndarray) -> int:
    """Values equal to their predecessor in sorted order (sorts in place)."""
    if values.size < 2:
        return 0
    values.sort()
    return int(np.count_nonzero(values[1:] == values[:-1]))


class DuplicateCounter:
    """Counts repeated 64-bit digests exactly, in bounded memory.

    Example:
        >>> counter = DuplicateCounter(aes_key=None)
        >>> counter.add(np.array([1, 2, 2, 3, 3, 3], dtype=np.uint64))
        >>> counter.count()
        3

    Args:
        aes_key: Seal digests with this key before they are spilled to disk; None
            when they are sealed already (or must never be sealed again).
        memory_digests: Digests held in memory before spilling (8 bytes each).
        spill_dir: Where to create the private spill folder (default: the system's
            temporary folder).
    """

    def __init__(self, aes_key: bytes | None, *, memory_digests: int = 1 << 24,
                 spill_dir: str | None = None) -> None:
        self._aes_key = aes_key
        self._limit = memory_digests
        self._spill_parent = spill_dir
        self._held: list[np.ndarray] = []
        self._held_size = 0
        self._folder: Path | None = None
        self._sealed_in_memory = False

    def add(self, digests: np.ndarray) -> None:
        """Take a batch of uint64 digests (copied; the caller may reuse the array)."""
        self._held.append(np.array(digests, dtype=np.uint64, copy=True))
        self._held_size += digests.size
        if self._held_size > self._limit:
            self._spill()

    @property
    def spilled(self) -> bool:
        """Whether digests have been written to the spill folder."""
        return self._folder is not None

    def count(self) -> int:
        """The number of digests equal to an earlier one; the counter is then closed."""
        try:
            if self._folder is None:
                return _sorted_duplicates(self._take_held())
            self._spill()
            return sum(_sorted_duplicates(np.fromfile(p, dtype=np.uint64))
                       for p in sorted(self._folder.iterdir()))
        finally:
            self.close()

    def close(self) -> None:
        """Delete the spill folder (also done by :meth:`count`)."""
        self._held, self._held_size = [], 0
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None

    def __enter__(self) -> DuplicateCounter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _take_held(self) -> np.ndarray:
        held = np.concatenate(self._held) if self._held else np.zeros(0, dtype=np.uint64)
        self._held, self._held_size = [], 0
        return held

    def _spill(self) -> None:
        """Append the held digests to their bucket files, sealed and sorted."""
        values = self._take_held()
        if self._aes_key is not None:
            values = seal(values, self._aes_key)
        values.sort()
        if self._folder is None:
            # mkdtemp gives a folder only this user can enter (mode 0700).
            self._folder = Path(tempfile.mkdtemp(prefix="attrib-dupes-", dir=self._spill_parent))
            # Also removed if an error abandons the counter before count() or close().
            weakref.finalize(self, shutil.rmtree, self._folder, True)
        edges = np.arange(1, 1 << _BUCKET_BITS, dtype=np.uint64) << np.uint64(64 - _BUCKET_BITS)
        bounds = [0, *np.searchsorted(values, edges).tolist(), values.size]
        for bucket, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            if hi > lo:
                with open(self._folder / f"{bucket:03d}", "ab") as fh:
                    values[lo:hi].tofile(fh)

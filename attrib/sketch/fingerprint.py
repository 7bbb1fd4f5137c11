"""The list fingerprint: a datasketch MinHash computed by a vectorised kernel.

The fingerprint is ``datasketch.MinHash(num_perm, seed, scheme="affine64",
hashfunc=identity)`` over the anchor tokens of a list: tokens are already keyed
64-bit hashes, so the identity is the right hash function. datasketch defines the
permutations (from ``seed``) and the MurmurHash3 finaliser it applies before them; we
take the permutations from datasketch itself and apply the same arithmetic to whole
numpy arrays in chunks, so the result is bit for bit what ``update_batch`` gives.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from datasketch import MinHash

SCHEME = "affine64"
_FMIX = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(33),
         np.uint64(0xC4CEB9FE1A85EC53), np.uint64(33))
_CHUNK = 1 << 11
_EMPTY = np.uint64(2**64 - 1)


def identity_hash(value: int) -> int:
    """datasketch ``hashfunc`` for values that are already 64-bit keyed tokens."""
    return int(value)


def new_minhash(num_perm: int, seed: int, hashvalues: np.ndarray | None = None) -> MinHash:
    """Return a datasketch MinHash with attrib's fixed, explicit parameters."""
    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME, hashfunc=identity_hash,
                   hashvalues=hashvalues)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = new_minhash(num_perm, seed).permutations
    return np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64)


def _fmix64(hv: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2, s3 = _FMIX
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    return hv ^ (hv >> s3)


def empty_fingerprint(num_perm: int) -> np.ndarray:
    """The fingerprint of an empty set (every slot at its maximum)."""
    return np.full(num_perm, _EMPTY, dtype=np.uint64)


def fingerprint(tokens: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash hash values of a set of 64-bit tokens.

    Args:
        tokens: uint64 tokens (duplicates are harmless).
        num_perm: number of permutations.
        seed: datasketch permutation seed.

    Returns:
        uint64 array of length ``num_perm``, equal to
        ``new_minhash(num_perm, seed).update_batch(tokens)`` hash values.
    """
    a, b = _permutations(num_perm, seed)
    out = empty_fingerprint(num_perm)
    tokens = np.unique(np.asarray(tokens, dtype=np.uint64))
    with np.errstate(over="ignore"):
        mixed = _fmix64(tokens)
        buf = np.empty((_CHUNK, num_perm), dtype=np.uint64)
        for start in range(0, len(mixed), _CHUNK):
            part = mixed[start : start + _CHUNK, None]
            work = buf[: len(part)]
            np.multiply(part, a, out=work)
            np.add(work, b, out=work)
            np.minimum(out, work.min(axis=0), out=out)
    return out


def merge_fingerprints(*fps: np.ndarray) -> np.ndarray:
    """Fingerprint of a union: the element-wise minimum."""
    return np.minimum.reduce([np.asarray(f, dtype=np.uint64) for f in fps])


def jaccard(fp1: np.ndarray, fp2: np.ndarray) -> float:
    """Estimated Jaccard index of the two sets behind two fingerprints."""
    if len(fp1) != len(fp2):
        raise ValueError("fingerprints have different num_perm")
    return float(np.count_nonzero(fp1 == fp2)) / len(fp1)

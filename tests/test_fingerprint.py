"""datasketch parity of the vectorised fingerprint kernel."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.sketch.fingerprint import (
    _permutations,
    fingerprint,
    jaccard,
    merge_fingerprints,
    new_minhash,
)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=300),
       st.sampled_from([16, 64, 128]), st.integers(min_value=0, max_value=2**31))
def test_bit_identical_to_datasketch_update_batch(values, num_perm, seed):
    m = new_minhash(num_perm, seed)
    if values:
        m.update_batch(values)
    ours = fingerprint(np.array(values, dtype=np.uint64), num_perm, seed)
    assert np.array_equal(ours, m.hashvalues)
    assert m.scheme == "affine64"


def test_merge_is_union():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**63, 5000, dtype=np.uint64)
    b = rng.integers(0, 2**63, 5000, dtype=np.uint64)
    whole = fingerprint(np.concatenate([a, b]), 128, 1)
    assert np.array_equal(merge_fingerprints(fingerprint(a, 128, 1), fingerprint(b, 128, 1)),
                          whole)
    assert np.array_equal(fingerprint([a, b[:0], b], 128, 1), whole)
    assert np.array_equal(fingerprint([], 128, 1), fingerprint(a[:0], 128, 1))


def test_jaccard_estimate():
    rng = np.random.default_rng(4)
    base = rng.integers(0, 2**63, 20000, dtype=np.uint64)
    a, b = base[:15000], base[5000:]
    est = jaccard(fingerprint(a, 256, 1), fingerprint(b, 256, 1))
    assert abs(est - 0.5) < 0.1


def test_bit_identical_across_kernel_blocks():
    # Sizes around the kernel's block of 2048 tokens, full-range values.
    rng = np.random.default_rng(5)
    for n in (2047, 2048, 2049, 6145):
        values = rng.integers(0, 2**64 - 1, n, dtype=np.uint64, endpoint=True)
        m = new_minhash(128, 7)
        m.update_batch(values.tolist())
        assert np.array_equal(fingerprint(values, 128, 7), m.hashvalues)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from([1, 16, 128, 256]), st.integers(min_value=0, max_value=2**32 - 1))
def test_permutations_are_datasketchs(num_perm, seed):
    a, b = new_minhash(num_perm, seed).permutations
    ours = _permutations(num_perm, seed)
    assert np.array_equal(ours[0], np.asarray(a, dtype=np.uint64))
    assert np.array_equal(ours[1], np.asarray(b, dtype=np.uint64))

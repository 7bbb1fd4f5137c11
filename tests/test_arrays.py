"""attrib.arrays: set operations by sorting must equal numpy's own."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.arrays import distinct, distinct_rows, sorted_member, union_sorted

SEEDS = st.integers(0, 2**32 - 1)


def tokens(rng: np.random.Generator, n: int, spread: int) -> np.ndarray:
    """uint64 tokens, from a small range (many repeats) or the full one."""
    high = 2**64 - 1 if spread == 0 else spread
    return rng.integers(0, high, n, dtype=np.uint64, endpoint=True)


@given(st.integers(0, 500), st.sampled_from([0, 3, 1000]), SEEDS)
@settings(max_examples=80, deadline=None)
def test_distinct_equals_unique(n, spread, seed):
    x = tokens(np.random.default_rng(seed), n, spread)
    assert np.array_equal(distinct(x), np.unique(x))


@given(st.lists(st.tuples(st.integers(0, 300), st.sampled_from([0, 3, 1000])), max_size=5),
       SEEDS)
@settings(max_examples=80, deadline=None)
def test_union_sorted_equals_union(parts, seed):
    rng = np.random.default_rng(seed)
    arrays = [np.unique(tokens(rng, n, spread)) for n, spread in parts] or [
        np.zeros(0, dtype=np.uint64)]
    want = np.unique(np.concatenate(arrays))
    assert np.array_equal(union_sorted(arrays), want)


@given(st.integers(0, 300), st.integers(1, 4), st.sampled_from([2, 5, 2**40]), SEEDS)
@settings(max_examples=80, deadline=None)
def test_distinct_rows_equals_unique_axis0(n, width, spread, seed):
    rows = np.random.default_rng(seed).integers(0, spread, (n, width)).astype(np.uint64)
    assert np.array_equal(distinct_rows(rows), np.unique(rows, axis=0))


@given(st.lists(st.integers(0, 200), min_size=1, max_size=6), st.sampled_from([3, 50, 2**40]),
       SEEDS)
@settings(max_examples=60, deadline=None)
def test_distinct_rows_of_merged_runs(sizes, spread, seed):
    """Merging parts' pairs: sorted distinct runs, overlapping, ties on the first column."""
    rng = np.random.default_rng(seed)
    runs = [np.unique(rng.integers(0, spread, (n, 2)).astype(np.uint64), axis=0) for n in sizes]
    cat = np.concatenate(runs)
    assert np.array_equal(distinct_rows(cat), np.unique(cat, axis=0))


@given(st.integers(0, 400), st.integers(0, 400), st.sampled_from([0, 10, 500]), SEEDS)
@settings(max_examples=120, deadline=None)
def test_sorted_member_equals_isin(n, m, spread, seed):
    rng = np.random.default_rng(seed)
    values = np.sort(tokens(rng, n, spread))  # sorted, repeats allowed
    known = np.unique(np.concatenate([tokens(rng, m, spread), values[: n // 2]]))
    assert np.array_equal(sorted_member(values, known), np.isin(values, known))


def test_sorted_member_both_strategies():
    rng = np.random.default_rng(1)
    known = np.unique(tokens(rng, 100_000, 0))
    few = np.sort(np.concatenate([known[:5], tokens(rng, 5, 0)]))  # binary search
    many = np.sort(np.concatenate([known[::2], tokens(rng, 50_000, 0)]))  # merge
    for values in (few, many):
        assert np.array_equal(sorted_member(values, known), np.isin(values, known))

"""Set operations on arrays of 64-bit tokens, by sorting; buffers for kernel output.

numpy 2.3 and later answer ``np.unique(x)`` (no ``return_*`` argument) with a hash
table that is pathologically slow on uniformly random 64-bit values, which is what
keyed tokens are: 3 s for 10^6 tokens where sorting takes 0.03 s. Every distinct-token
computation in attrib goes through here instead.
"""

from __future__ import annotations

import numba
import numpy as np
import pyarrow as pa


def pool_empty(size: int, dtype: type = np.uint8) -> np.ndarray:
    """``np.empty`` from Arrow's memory pool, for compiled kernels' output and buffers.

    The pool keeps freed memory for the next batch, where numpy hands large blocks back
    to the system and pays a page fault per 4 KiB to get them again: a large share of a
    kernel's time.
    """
    itemsize = np.dtype(dtype).itemsize
    return np.frombuffer(pa.allocate_buffer(max(size, 1) * itemsize), dtype=dtype)[:size]


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D array (``np.unique`` without hashing)."""
    return _drop_repeats(np.sort(np.asarray(values).ravel()))


#: Above this many values, a union whose largest array outweighs the rest twice over
#: is merged by timsort (linear in the large run) rather than numpy's vectorised
#: quicksort, which is faster on anything smaller or more even (16 runs of 5,000:
#: 0.35 ms against 1.2 ms; one run of 10^6 plus 75,000 values: 5.5 ms against 2.4 ms).
MERGE_LARGE = 1 << 19


def union_sorted(arrays: list[np.ndarray]) -> np.ndarray:
    """Union of sorted distinct arrays, sorted and distinct.

    Sorting the concatenated runs, where hashing would touch every value again. When
    one large run dominates (the merged sample of a 10^8-row file and a few batches'
    samples), a stable sort finds the runs and merges them in linear time.
    """
    if len(arrays) == 1:
        return arrays[0]
    cat = np.concatenate(arrays)
    largest = max(a.size for a in arrays)
    dominant = cat.size > MERGE_LARGE and largest >= 2 * (cat.size - largest)
    cat.sort(kind="stable" if dominant else None)
    return _drop_repeats(cat)


def _drop_repeats(ordered: np.ndarray) -> np.ndarray:
    """A sorted array without its repeated neighbours."""
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def distinct_rows(rows: np.ndarray) -> np.ndarray:
    """The distinct rows of a 2-D array in lexicographic order (``np.unique(axis=0)``,
    which compares rows as structured records, one call per comparison)."""
    rows = np.asarray(rows)
    if rows.shape[0] < 2:
        return rows.copy()
    if rows.ndim == 2 and rows.shape[1] == 2:
        return _distinct_pairs(rows)
    # Stable sorts from the last column to the first (np.lexsort is several times
    # slower on a few thousand rows).
    order = np.argsort(rows[:, -1], kind="stable")
    for c in range(rows.shape[1] - 2, -1, -1):
        order = order[np.argsort(rows[order, c], kind="stable")]
    out = rows[order]
    keep = np.empty(out.shape[0], dtype=bool)
    keep[0] = True
    np.any(out[1:] != out[:-1], axis=1, out=keep[1:])
    return out[keep]


def _distinct_pairs(rows: np.ndarray) -> np.ndarray:
    """:func:`distinct_rows` of two columns: one sort on the first column, then only
    the rows that tie on it are ordered by the second; 4-5 times faster than two
    stable sorts."""
    n = rows.shape[0]
    first = np.ascontiguousarray(rows[:, 0])
    order = np.argsort(first)  # ties are ordered below
    first, second = first[order], rows[order, 1]
    tie = first[1:] == first[:-1]
    if tie.any():
        grouped = np.zeros(n, dtype=bool)
        grouped[1:] = tie
        grouped[:-1] |= tie
        at = np.flatnonzero(grouped)  # whole tie groups, already in first-column order
        second[at] = second[at][np.lexsort((second[at], first[at]))]
    keep = np.empty(n, dtype=bool)
    keep[0] = True
    np.logical_or(~tie, second[1:] != second[:-1], out=keep[1:])
    return np.stack([first[keep], second[keep]], axis=1)


def sorted_member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """For sorted ``values``: whether each is in ``sorted_set`` (sorted).

    A linear merge when the two are of similar size (no random access at all), binary
    search when one is far larger.
    """
    out = np.zeros(values.size, dtype=bool)
    if values.size == 0 or sorted_set.size == 0:
        return out
    small, large = sorted((values.size, sorted_set.size))
    if small * max(int(large).bit_length(), 1) < values.size + sorted_set.size:
        idx = np.searchsorted(sorted_set, values)
        idx[idx == sorted_set.size] = 0
        return np.asarray(sorted_set[idx] == values)
    _merge_member(np.ascontiguousarray(values), np.ascontiguousarray(sorted_set), out)
    return out


@numba.njit(cache=True, nogil=True)
def _merge_member(values: np.ndarray, sorted_set: np.ndarray, out: np.ndarray) -> None:
    i = 0
    j = 0
    while i < values.size and j < sorted_set.size:
        if values[i] < sorted_set[j]:
            i += 1
        elif values[i] > sorted_set[j]:
            j += 1
        else:
            out[i] = True
            i += 1

"""Near-duplicate records: name + address matched through keyed shingles and MinHash.

Typos, pinyin for characters, shortened addresses: a leaked record whose every token
misses a source may still be the source's record. Each record's name and address
(canonical forms, joined with U+001F) is cut into character n-grams (shingles); each
shingle becomes a keyed token (``attrib.tokens.tokens_for`` under the token type
``shingle``, so no plaintext and no unkeyed hash is ever stored); the record's set
of shingle tokens gets a MinHash signature (datasketch's ``affine64`` scheme over the
keyed tokens, ``NUM_PERM`` values, bit-identical to ``datasketch.MinHash.update_batch``;
:func:`signatures` computes them per distinct name and per distinct address with
compiled kernels, :func:`signatures_plain` record by record, with the same values).

Candidates are the pairs of signatures that share a band in a datasketch
``MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)``: the bands come from
datasketch itself (``hashranges``), and the band equality is evaluated as a polars join
of all leak records with all source records (one vectorised pass, the same pairs as
inserting and querying record by record). Each candidate is then verified: the share of
equal signature slots (the MinHash estimate of the shingle sets' Jaccard) must reach
``VERIFY_AT``, and when both addresses have numbers (keyed ``address_number`` tokens,
the smallest ``NUMBERS`` kept) they must share one; a leak record keeps its most
similar source record. Names are shingled as their pinyin (``attrib.fields.pinyin_key``)
so that a romanised list matches one in characters.

Sources store signatures only with their exact tier (``WIDTH`` x 8 bytes a record).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numba
import numpy as np
import polars as pl
import pyarrow as pa

from attrib.fields import pinyin_key
from attrib.sketch.fingerprint import _permutations, fmix64
from attrib.tokens import SEP, CaseKey, tokens_for

#: MinHash values per record signature.
NUM_PERM = 32
#: Permutation seed (datasketch ``seed``).
SEED = 7
#: Characters per shingle.
SHINGLE = 2
#: Token type of the keyed shingles (hash spec ``attrib-token/1``, docs/evidence.md).
SHINGLE_TYPE = "shingle"
#: Jaccard threshold of the candidate index.
LSH_THRESHOLD = 0.5
#: Estimated Jaccard a candidate must reach to count as the same record.
VERIFY_AT = 0.6
#: Fields a signature is made of.
FIELDS = ("name", "address")
#: Token type of an address's numbers (house, building, room: ``88``, ``3``, ``201``).
NUMBER_TYPE = "address_number"
#: Numbers kept per record (the smallest tokens: the same choice on both sides).
NUMBERS = 4
#: Numbers two addresses must have in common (when both have some): 建国路123号 and
#: 建国路1123号 share most of their shingles but no number, and are different places.
NUMBERS_IN_COMMON = 1
#: Columns of a stored signature: the MinHash, then the number tokens.
WIDTH = NUM_PERM + NUMBERS
_EMPTY = np.uint64(2**64 - 1)
_SEP_CP = ord(SEP)
# Address numbers packed as length << _NUMBER_SHIFT | value (up to _NUMBER_DIGITS digits).
_NUMBER_DIGITS = 17
_NUMBER_SHIFT = 59
_NUMBER_VALUE = (1 << _NUMBER_SHIFT) - 1
# Fibonacci hashing of the packed shingles.
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: Pessimistic probability that two unrelated people's name + address reach
#: ``VERIFY_AT`` (a relative with a similar name at the same address): near-duplicate
#: matches count as matches of a source ``1 + (|U| - 1) * CHANCE`` times as large
#: (attrib/masked.py explains the effective size).
CHANCE = 1e-7


def params() -> dict[str, object]:
    """The parameters stored with every signature set; two sets compare only if equal."""
    return {"num_perm": NUM_PERM, "seed": SEED, "shingle": SHINGLE, "fields": list(FIELDS),
            "scheme": "affine64", "type": SHINGLE_TYPE, "name": "pinyin",
            "numbers": NUMBERS, "number_type": NUMBER_TYPE}


@dataclass(frozen=True)
class Signatures:
    """Signatures of a list's records: ``rows`` (record numbers), ``sig`` (n, WIDTH).

    A row of ``sig``: the ``NUM_PERM`` MinHash values, then the record's smallest
    ``NUMBERS`` address-number tokens in ascending order (``2^64 - 1`` where absent).
    """

    rows: np.ndarray
    sig: np.ndarray

    @property
    def size(self) -> int:
        return int(self.rows.size)


def empty() -> Signatures:
    return Signatures(np.zeros(0, dtype=np.uint32), np.zeros((0, WIDTH), dtype=np.uint64))


def shingle_tokens(norm: pl.DataFrame, key: CaseKey) -> pl.DataFrame:
    """Keyed shingle tokens of every record with a name and an address: (row, token).

    One vectorised slice per character position (records are short), each distinct
    shingle keyed once (lists repeat most of theirs). A record's shingles may repeat:
    a MinHash is the same over a multiset as over its set.
    """
    if not set(FIELDS) <= set(norm.columns):
        return pl.DataFrame(schema={"row": pl.UInt32, "token": pl.UInt64})
    rows = (norm.with_row_index("row")
            .filter(pl.all_horizontal([pl.col(f).is_not_null() for f in FIELDS])))
    # Names as their pinyin: 张伟, 章伟 (a homophone typo) and "Zhang Wei" all give
    # zhangwei, so a romanised list matches a list in characters.
    rows = rows.with_columns(pinyin_key(rows["name"]).alias("name"))
    text = rows.filter(pl.col("name").is_not_null()).select(
        "row", pl.concat_str([pl.col(f) for f in FIELDS], separator=SEP).alias("text"))
    length = text["text"].str.len_chars()
    longest = int(length.max() or 0)  # type: ignore[arg-type]  # a UInt32 max
    grams = pl.concat([
        text.filter(length >= start + SHINGLE)
        .select("row", pl.col("text").str.slice(start, SHINGLE).alias("gram"))
        for start in range(max(longest - SHINGLE + 1, 0))
    ] or [pl.DataFrame(schema={"row": pl.UInt32, "gram": pl.String})])
    distinct = grams.select("gram").unique()
    keyed = distinct.with_columns(pl.Series("token", tokens_for(key, SHINGLE_TYPE,
                                                                distinct["gram"]),
                                            dtype=pl.UInt64))
    return grams.join(keyed, on="gram").select("row", "token")


def address_numbers(norm: pl.DataFrame, key: CaseKey) -> np.ndarray:
    """(n, NUMBERS) matrix: each record's smallest keyed address-number tokens, ascending."""
    out = np.full((norm.height, NUMBERS), _EMPTY, dtype=np.uint64)
    if "address" not in norm.columns:
        return out
    nums = (norm.with_row_index("row")
            .select("row", pl.col("address").str.extract_all(r"\d+").alias("n"))
            .explode("n").filter(pl.col("n").is_not_null())
            .with_columns(pl.col("n").str.strip_chars_start("0")))
    if nums.height == 0:
        return out
    distinct = nums.select("n").unique()
    keyed = distinct.with_columns(pl.Series("t", tokens_for(key, NUMBER_TYPE, distinct["n"]),
                                            dtype=pl.UInt64))
    kept = (nums.join(keyed, on="n").select("row", "t").unique().sort("row", "t")
            .with_columns(pl.int_range(pl.len()).over("row").alias("k"))
            .filter(pl.col("k") < NUMBERS))
    out[kept["row"].to_numpy().astype(np.int64), kept["k"].to_numpy()] = kept["t"].to_numpy()
    return out


def signatures(norm: pl.DataFrame, key: CaseKey) -> Signatures:
    """Signatures of the records' keyed name + address shingles and address numbers.

    The values are those of the plain definition (MinHash of :func:`shingle_tokens`,
    :func:`address_numbers`), computed per distinct name and per distinct address: the
    shingles of ``name␟address`` are those of ``name␟`` and of ``␟address``, so a
    record's MinHash is the slot-wise minimum of the two parts' MinHashes, and lists
    repeat most names and many addresses. Compiled kernels read the strings' Arrow
    buffers (no per-position frames) and key each distinct shingle once. They are
    single-threaded and release the GIL: the batches of a file are sketched in
    parallel threads (attrib.api.sketch_frames), and a numba ``prange`` launched from
    two threads at once is not safe with every threading layer. Seconds per stage:
    :func:`last_timings`.
    """
    lap = _Laps()
    if not set(FIELDS) <= set(norm.columns):
        return empty()
    if SHINGLE != 2:  # the split into name␟ and ␟address holds for 2-grams only
        return signatures_plain(norm, key)
    both = norm.select(FIELDS).with_row_index("row").drop_nulls()
    if both.height == 0:
        return empty()
    rows = both["row"].to_numpy().astype(np.int64)
    (name_id, names), (addr_id, addresses) = _distinct(both, FIELDS)
    lap("distinct")
    # Names as their pinyin: 张伟, 章伟 (a homophone typo) and "Zhang Wei" all give
    # zhangwei, so a romanised list matches a list in characters.
    pinyin = pinyin_key(names)
    valid = pinyin.is_not_null().to_numpy()
    key_of_name = np.full(names.len(), -1, dtype=np.int64)
    [(key_id, pinyins)] = _distinct(pinyin.filter(valid).to_frame("name"), ("name",))
    key_of_name[valid] = key_id
    kid = key_of_name[name_id]
    keep = kid >= 0
    rows, kid, aid = rows[keep], kid[keep], addr_id[keep]
    lap("pinyin")

    kstarts, kcodes = _piece_grams(*_buffers(pinyins), True)
    astarts, acodes = _piece_grams(*_buffers(addresses), False)
    grams = _intern(kcodes, acodes)  # the codes become shingle numbers
    lap("shingles")
    hashed = _fmix_all(tokens_for(key, SHINGLE_TYPE, _gram_strings(grams)))
    lap("keying")
    a, b = _permutations(NUM_PERM, SEED)
    ksig = np.full((pinyins.len(), NUM_PERM), _EMPTY, dtype=np.uint64)
    asig = np.full((addresses.len(), NUM_PERM), _EMPTY, dtype=np.uint64)
    _minhash_pieces(kstarts, kcodes, hashed, a, b, ksig)
    _minhash_pieces(astarts, acodes, hashed, a, b, asig)
    lap("minhash")
    # A record has shingles unless both its pinyin and its address are empty.
    some = (np.diff(kstarts)[kid] > 0) | (np.diff(astarts)[aid] > 0)
    rows, kid, aid = rows[some], kid[some], aid[some]
    if rows.size == 0:
        return empty()
    numbers = _address_numbers(addresses, key)
    lap("numbers")
    out = np.empty((rows.size, WIDTH), dtype=np.uint64)
    _assemble(kid, aid, ksig, asig, numbers, out)
    lap("assemble")
    return Signatures(rows.astype(np.uint32), out)


def signatures_plain(norm: pl.DataFrame, key: CaseKey) -> Signatures:
    """:func:`signatures` by the definition: each record's shingle tokens, one MinHash per
    record (a compiled kernel over all tokens), its address numbers. The reference the
    tests hold :func:`signatures` to, and the path for other shingle sizes."""
    toks = shingle_tokens(norm, key)
    if toks.height == 0:
        return empty()
    row = toks["row"].to_numpy().astype(np.int64)
    a, b = _permutations(NUM_PERM, SEED)
    sig = np.full((norm.height, NUM_PERM), _EMPTY, dtype=np.uint64)
    _minhash_rows(np.ascontiguousarray(toks["token"].to_numpy()), row, a, b, sig)
    present = np.zeros(norm.height, dtype=bool)
    present[row] = True
    rows = np.flatnonzero(present)
    full = np.concatenate([sig[rows], address_numbers(norm, key)[rows]], axis=1)
    return Signatures(rows.astype(np.uint32), full)


@numba.njit(cache=True, nogil=True)
def _minhash_rows(tokens: np.ndarray, rows: np.ndarray, a: np.ndarray, b: np.ndarray,
                  out: np.ndarray) -> None:
    # datasketch affine64 (as attrib.sketch.fingerprint): fmix64, then a*h + b, minimum
    # per slot; one minimum per record (token t belongs to record rows[t]).
    for t in range(tokens.size):
        h = fmix64(tokens[t])
        r = rows[t]
        for j in range(a.size):
            v = h * a[j] + b[j]
            if v < out[r, j]:
                out[r, j] = v


_TIMINGS = threading.local()


def last_timings() -> dict[str, float]:
    """Seconds per stage of this thread's last :func:`signatures` call (a benchmark aid:
    benchmarks/neardup_speed.py)."""
    return dict(getattr(_TIMINGS, "laps", {}))


class _Laps:
    """Records, for :func:`last_timings`, the seconds since the previous lap."""

    def __init__(self) -> None:
        _TIMINGS.laps = self.laps = {}
        self.t = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = now - self.t
        self.t = now


def _address_numbers(addresses: pl.Series, key: CaseKey) -> np.ndarray:
    """:func:`address_numbers` of distinct non-null addresses, by a compiled kernel.

    Numbers of up to 17 ASCII digits (after the leading zeros) are packed into one
    integer, so each distinct number is keyed once without making strings per record;
    the rare address with a longer number or another script's digits (``\\d`` is
    Unicode) takes :func:`address_numbers` itself.
    """
    offsets, data = _buffers(addresses)
    starts, packed, odd = _number_runs(offsets, data)
    odd |= addresses.str.contains(r"[\d&&[^0-9]]").fill_null(False).to_numpy()
    numbers = _intern(packed)  # packed becomes the numbers' indices
    digits = [str(v & _NUMBER_VALUE) if v >> _NUMBER_SHIFT else "" for v in numbers.tolist()]
    tokens = tokens_for(key, NUMBER_TYPE, pl.Series(digits, dtype=pl.String))
    out = np.full((addresses.len(), NUMBERS), _EMPTY, dtype=np.uint64)
    _smallest_numbers(starts, packed, tokens, out)
    if odd.any():
        which = np.flatnonzero(odd)
        out[which] = address_numbers(addresses.gather(which).to_frame("address"), key)
    return out


def _buffers(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, UTF-8 bytes) of a String series, as Arrow lays them out (no copy)."""
    arr = values.to_arrow()
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None and bufs[2].size
            else np.zeros(1, dtype=np.uint8))
    return offsets, data


def _distinct(frame: pl.DataFrame,
              columns: tuple[str, ...]) -> list[tuple[np.ndarray, pl.Series]]:
    """Per column (without nulls): the index of each value among the column's distinct
    values, and the distinct values in order of first occurrence (polars' hashing, the
    columns side by side on all cores)."""
    if frame.height == 0:
        return [(np.zeros(0, dtype=np.int64), frame[c]) for c in columns]
    firsts = (frame.select(columns).with_row_index("_i")
              .select(pl.col("_i").min().over(c).alias(c) for c in columns))
    out = []
    for c in columns:
        first = firsts[c].to_numpy().astype(np.int64)
        is_first = first == np.arange(first.size)
        out.append(((np.cumsum(is_first) - 1)[first], frame[c].gather(np.flatnonzero(is_first))))
    return out


def _gram_strings(codes: np.ndarray) -> pl.Series:
    """The shingles (two code points each, packed as ``c1 << 21 | c2``) as strings."""
    offsets, data = _encode_grams(codes)
    arr = pa.LargeStringArray.from_buffers(codes.size, pa.py_buffer(offsets),
                                           pa.py_buffer(data))
    return pl.Series("gram", arr)


@numba.njit(cache=True, nogil=True)
def _piece_grams(offsets: np.ndarray, data: np.ndarray,
                 sep_after: bool) -> tuple[np.ndarray, np.ndarray]:
    # The shingles of each string with the separator appended (``name␟``) or prepended
    # (``␟address``), as packed code-point pairs: as many as the string has code points.
    n = offsets.size - 1
    starts = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        c = 0
        for p in range(offsets[i], offsets[i + 1]):
            if (data[p] & 0xC0) != 0x80:
                c += 1
        starts[i + 1] = starts[i] + c
    codes = np.empty(starts[n], dtype=np.int64)
    sep = np.int64(_SEP_CP)
    for i in range(n):
        w = starts[i]
        prev = np.int64(-1) if sep_after else sep
        p = offsets[i]
        end = offsets[i + 1]
        while p < end:
            b0 = np.int64(data[p])
            if b0 < 0x80:
                cp = b0
                p += 1
            elif b0 < 0xE0:
                cp = ((b0 & 0x1F) << 6) | (np.int64(data[p + 1]) & 0x3F)
                p += 2
            elif b0 < 0xF0:
                cp = (((b0 & 0x0F) << 12) | ((np.int64(data[p + 1]) & 0x3F) << 6)
                      | (np.int64(data[p + 2]) & 0x3F))
                p += 3
            else:
                cp = (((b0 & 0x07) << 18) | ((np.int64(data[p + 1]) & 0x3F) << 12)
                      | ((np.int64(data[p + 2]) & 0x3F) << 6) | (np.int64(data[p + 3]) & 0x3F))
                p += 4
            if prev >= 0:
                codes[w] = (prev << 21) | cp
                w += 1
            prev = cp
        if sep_after and prev >= 0:
            codes[w] = (prev << 21) | sep
    return starts, codes


def _intern(*arrays: np.ndarray) -> np.ndarray:
    """Replace each non-negative int64 code in ``arrays`` (in place) by its index among
    the distinct codes, numbered in order of first occurrence; return those codes."""
    keys = np.full(1 << 12, -1, dtype=np.int64)
    vals = np.empty(1 << 12, dtype=np.int64)
    distinct = np.empty(1 << 11, dtype=np.int64)
    k = 0
    for arr in arrays:
        keys, vals, distinct, k = _intern_kernel(arr, keys, vals, distinct, k)
    return distinct[:k].copy()


@numba.njit(cache=True, nogil=True)
def _intern_kernel(codes: np.ndarray, keys: np.ndarray, vals: np.ndarray,
                   distinct: np.ndarray, k: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    # Open addressing (Fibonacci hashing, linear probing; the table doubles at half
    # full), continuing the numbering of an earlier call.
    size = keys.size
    bits = 0
    while (1 << bits) < size:
        bits += 1
    shift = np.uint64(64 - bits)
    for i in range(codes.size):
        c = codes[i]
        slot = np.int64((np.uint64(c) * _GOLDEN) >> shift)
        while True:
            if keys[slot] == c:
                codes[i] = vals[slot]
                break
            if keys[slot] < 0:
                keys[slot] = c
                vals[slot] = k
                codes[i] = k
                if k == distinct.size:
                    grown = np.empty(2 * distinct.size, dtype=np.int64)
                    grown[:k] = distinct
                    distinct = grown
                distinct[k] = c
                k += 1
                if 2 * k > size:
                    size *= 2
                    bits += 1
                    shift = np.uint64(64 - bits)
                    keys = np.full(size, -1, dtype=np.int64)
                    vals = np.empty(size, dtype=np.int64)
                    for d in range(k):
                        s = np.int64((np.uint64(distinct[d]) * _GOLDEN) >> shift)
                        while keys[s] >= 0:
                            s = (s + 1) & (size - 1)
                        keys[s] = distinct[d]
                        vals[s] = d
                break
            slot = (slot + 1) & (size - 1)
    return keys, vals, distinct, k


@numba.njit(cache=True, nogil=True)
def _number_runs(offsets: np.ndarray,
                 data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    # Each string's runs of ASCII digits without their leading zeros, packed as
    # length << _NUMBER_SHIFT | value ("" is 0); a run longer than _NUMBER_DIGITS marks
    # its string odd (packed as 0, unused).
    n = offsets.size - 1
    starts = np.zeros(n + 1, dtype=np.int64)
    for i in range(n):
        runs = 0
        inside = False
        for p in range(offsets[i], offsets[i + 1]):
            digit = 48 <= data[p] <= 57
            if digit and not inside:
                runs += 1
            inside = digit
        starts[i + 1] = starts[i] + runs
    packed = np.zeros(starts[n], dtype=np.int64)
    odd = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        w = starts[i]
        p, end = offsets[i], offsets[i + 1]
        while p < end:
            if not 48 <= data[p] <= 57:
                p += 1
                continue
            q = p
            while q < end and 48 <= data[q] <= 57:
                q += 1
            while p < q and data[p] == 48:
                p += 1
            if q - p > _NUMBER_DIGITS:
                odd[i] = True
            else:
                v = np.int64(0)
                for r in range(p, q):
                    v = v * 10 + (np.int64(data[r]) - 48)
                packed[w] = (np.int64(q - p) << _NUMBER_SHIFT) | v
            w += 1
            p = q
    return starts, packed, odd


@numba.njit(cache=True, nogil=True)
def _smallest_numbers(starts: np.ndarray, number_id: np.ndarray, tokens: np.ndarray,
                      out: np.ndarray) -> None:
    # Per string: its smallest distinct number tokens, ascending (``out`` starts at the
    # maximum, which also pads).
    k = out.shape[1]
    for i in range(starts.size - 1):
        for t in range(starts[i], starts[i + 1]):
            v = tokens[number_id[t]]
            if v >= out[i, k - 1]:
                continue
            seen = False
            for j in range(k):
                if out[i, j] == v:
                    seen = True
            if seen:
                continue
            j = k - 1
            while j > 0 and out[i, j - 1] > v:
                out[i, j] = out[i, j - 1]
                j -= 1
            out[i, j] = v


@numba.njit(cache=True, nogil=True)
def _encode_grams(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # UTF-8 of each packed code-point pair, as Arrow large_string buffers.
    offsets = np.zeros(codes.size + 1, dtype=np.int64)
    data = np.empty(codes.size * 8, dtype=np.uint8)
    w = 0
    for i in range(codes.size):
        for cp in (codes[i] >> 21, codes[i] & 0x1FFFFF):
            if cp < 0x80:
                data[w] = cp
                w += 1
            elif cp < 0x800:
                data[w] = 0xC0 | (cp >> 6)
                data[w + 1] = 0x80 | (cp & 0x3F)
                w += 2
            elif cp < 0x10000:
                data[w] = 0xE0 | (cp >> 12)
                data[w + 1] = 0x80 | ((cp >> 6) & 0x3F)
                data[w + 2] = 0x80 | (cp & 0x3F)
                w += 3
            else:
                data[w] = 0xF0 | (cp >> 18)
                data[w + 1] = 0x80 | ((cp >> 12) & 0x3F)
                data[w + 2] = 0x80 | ((cp >> 6) & 0x3F)
                data[w + 3] = 0x80 | (cp & 0x3F)
                w += 4
        offsets[i + 1] = w
    return offsets, data[:max(w, 1)]


@numba.njit(cache=True, nogil=True)
def _fmix_all(tokens: np.ndarray) -> np.ndarray:
    out = np.empty_like(tokens)
    for i in range(tokens.size):
        out[i] = fmix64(tokens[i])
    return out


@numba.njit(cache=True, nogil=True)
def _minhash_pieces(starts: np.ndarray, gram_id: np.ndarray, hashed: np.ndarray,
                    a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    # datasketch affine64 (as attrib.sketch.fingerprint) per piece: a*h + b over the
    # fmix64-ed shingle tokens h, minimum per slot (``out`` starts at the maximum).
    for i in range(starts.size - 1):
        for t in range(starts[i], starts[i + 1]):
            h = hashed[gram_id[t]]
            for j in range(a.size):
                v = h * a[j] + b[j]
                if v < out[i, j]:
                    out[i, j] = v


@numba.njit(cache=True, nogil=True)
def _assemble(kid: np.ndarray, aid: np.ndarray, ksig: np.ndarray, asig: np.ndarray,
              numbers: np.ndarray, out: np.ndarray) -> None:
    # A record: the slot-wise minimum of its pinyin's and its address's MinHash, then
    # its address's numbers.
    m = ksig.shape[1]
    for i in range(kid.size):
        k, r = kid[i], aid[i]
        for j in range(m):
            x, y = ksig[k, j], asig[r, j]
            out[i, j] = x if x < y else y
        for j in range(numbers.shape[1]):
            out[i, m + j] = numbers[r, j]


def merge(parts: list[tuple[Signatures, int]]) -> Signatures:
    """Signatures of a whole list from its parts' (signatures, first row number)."""
    if not parts:
        return empty()
    return Signatures(np.concatenate([p.rows + np.uint32(off) for p, off in parts]),
                      np.concatenate([p.sig for p, _ in parts]).reshape(-1, WIDTH))


def as_set(sigs: Signatures) -> Signatures:
    """Signatures as a set: distinct, sorted, without record numbers.

    A source needs no record numbers (only a leak's records are reported), and a set
    is the same whatever order the parts of a snapshot were sketched and merged in.
    The rows are those of ``np.unique(sig, axis=0)``, in the same (lexicographic) order.
    """
    if sigs.size == 0:
        return empty()
    sig = sigs.sig
    if _ascending_runs(sig) <= _FEW_RUNS:
        # A merge of parts that are sets already: merge their runs (linear).
        order = _merge_sort(sig, np.arange(sig.shape[0]), 0)
    else:
        # Sort on the dense ranks of the first columns packed into one integer, then
        # sort only the rows that tie on those columns by the rest.
        packed, columns = _packed_ranks(sig)
        order = np.argsort(packed, kind="stable")
        _sort_ties(sig, order, packed[order], columns)
    distinct = sig[_drop_repeats(sig, order)]
    return Signatures(np.zeros(distinct.shape[0], dtype=np.uint32), distinct)


#: Ascending runs up to which as_set merges runs instead of sorting.
_FEW_RUNS = 64


def _packed_ranks(m: np.ndarray) -> tuple[np.ndarray, int]:
    """Each row's dense ranks in its first columns, packed into 64 bits (the first
    column most significant), and the number of columns packed."""
    packed = np.zeros(m.shape[0], dtype=np.uint64)
    bits = 0
    for k in range(m.shape[1]):
        values, rank = np.unique(m[:, k], return_inverse=True)
        need = int(values.size - 1).bit_length()
        if bits + need > 64:
            return packed, k
        packed = (packed << np.uint64(need)) | rank.astype(np.uint64).reshape(-1)
        bits += need
        if values.size == m.shape[0]:  # this column alone tells every row apart
            return packed, m.shape[1]
    return packed, m.shape[1]


@numba.njit(cache=True, nogil=True)
def _compare_rows(m: np.ndarray, i: int, j: int, start: int) -> int:
    for k in range(start, m.shape[1]):
        if m[i, k] != m[j, k]:
            return -1 if m[i, k] < m[j, k] else 1
    return 0


@numba.njit(cache=True, nogil=True)
def _ascending_runs(m: np.ndarray) -> int:
    runs = 1
    for i in range(1, m.shape[0]):
        if _compare_rows(m, i - 1, i, 0) > 0:
            runs += 1
    return runs


@numba.njit(cache=True, nogil=True)
def _merge_sort(m: np.ndarray, idx: np.ndarray, start: int) -> np.ndarray:
    # idx (row numbers) in lexicographic order of the rows' columns from ``start`` on:
    # a stable bottom-up merge sort of the ascending runs already there.
    n = idx.size
    if n < 2:
        return idx.copy()
    bounds = np.empty(n + 1, dtype=np.int64)
    runs = 0
    bounds[0] = 0
    for i in range(1, n):
        if _compare_rows(m, idx[i - 1], idx[i], start) > 0:
            runs += 1
            bounds[runs] = i
    runs += 1
    bounds[runs] = n
    idx = idx.copy()
    buf = np.empty(n, dtype=idx.dtype)
    while runs > 1:
        merged = 0
        for r in range(0, runs, 2):
            lo, mid = bounds[r], bounds[r + 1]
            hi = bounds[r + 2] if r + 2 <= runs else mid
            i, j, w = lo, mid, lo
            while i < mid and j < hi:
                if _compare_rows(m, idx[j], idx[i], start) < 0:
                    buf[w] = idx[j]
                    j += 1
                else:
                    buf[w] = idx[i]
                    i += 1
                w += 1
            buf[w:w + mid - i] = idx[i:mid]
            w += mid - i
            buf[w:w + hi - j] = idx[j:hi]
            merged += 1
            bounds[merged] = hi
        idx, buf = buf, idx
        runs = merged
    return idx


@numba.njit(cache=True, nogil=True)
def _sort_ties(m: np.ndarray, order: np.ndarray, keys: np.ndarray, start: int) -> None:
    # Within each run of equal keys, order the rows by their columns from ``start`` on.
    n = order.size
    lo = 0
    while lo < n:
        hi = lo + 1
        while hi < n and keys[hi] == keys[lo]:
            hi += 1
        if hi - lo > 1 and start < m.shape[1]:
            order[lo:hi] = _merge_sort(m, order[lo:hi], start)
        lo = hi


@numba.njit(cache=True, nogil=True)
def _drop_repeats(m: np.ndarray, order: np.ndarray) -> np.ndarray:
    keep = np.empty(order.size, dtype=np.int64)
    k = 0
    for t in range(order.size):
        if t == 0 or _compare_rows(m, order[t - 1], order[t], 0) != 0:
            keep[k] = order[t]
            k += 1
    return keep[:k]


def band_ranges() -> list[tuple[int, int]]:
    """The bands of datasketch's MinHashLSH at our threshold and num_perm."""
    from datasketch import MinHashLSH  # imports scipy: only when bands are needed

    return list(MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM).hashranges)


def candidates(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Index pairs (i into left, j into right) sharing at least one LSH band.

    The pairs datasketch's MinHashLSH returns when ``right`` is inserted and every row
    of ``left`` queried, computed as one join per band.
    """
    if left.shape[0] == 0 or right.shape[0] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    left, right = left[:, :NUM_PERM], right[:, :NUM_PERM]
    found = []
    for start, end in band_ranges():
        cols = [f"h{k}" for k in range(end - start)]
        lf = pl.DataFrame(left[:, start:end], schema=cols).with_row_index("i")
        rf = pl.DataFrame(right[:, start:end], schema=cols).with_row_index("j")
        found.append(lf.join(rf, on=cols).select("i", "j"))
    pairs = pl.concat(found).unique()
    return pairs.select(pl.col("i").cast(pl.Int64), pl.col("j").cast(pl.Int64)).to_numpy()


def numbers_agree(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per pair of number rows: at least NUMBERS_IN_COMMON shared, or one side has none."""
    lv, rv = left != _EMPTY, right != _EMPTY
    common = ((left[:, :, None] == right[:, None, :]) & lv[:, :, None]).sum(axis=(1, 2))
    some = lv.any(axis=1) & rv.any(axis=1)
    return ~some | (common >= NUMBERS_IN_COMMON)


def best_matches(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``left``: the best verified similarity to ``right`` (0 if none).

    Returns:
        (similarity per left row, index of the matched right row or -1).
    """
    sim = np.zeros(left.shape[0])
    best = np.full(left.shape[0], -1, dtype=np.int64)
    pairs = candidates(left, right)
    if pairs.size == 0:
        return sim, best
    lsig, rsig = left[pairs[:, 0]], right[pairs[:, 1]]
    est = (lsig[:, :NUM_PERM] == rsig[:, :NUM_PERM]).mean(axis=1)
    ok = (est >= VERIFY_AT) & numbers_agree(lsig[:, NUM_PERM:], rsig[:, NUM_PERM:])
    pairs, est = pairs[ok], est[ok]
    order = np.lexsort((-est, pairs[:, 0]))
    pairs, est = pairs[order], est[order]
    first = np.ones(pairs.shape[0], dtype=bool)
    first[1:] = pairs[1:, 0] != pairs[:-1, 0]
    sim[pairs[first, 0]] = est[first]
    best[pairs[first, 0]] = pairs[first, 1]
    return sim, best

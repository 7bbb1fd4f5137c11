"""Near-duplicate records: name + address matched through keyed shingles and MinHash.

Typos, pinyin for characters, shortened addresses: a leaked record whose every token
misses a source may still be the source's record. Each record's name and address
(canonical forms, joined with U+001F) is cut into character n-grams (shingles); each
shingle becomes a keyed token (``attrib.tokens.tokens_for`` under the token type
``shingle``, so no plaintext and no unkeyed hash is ever stored); the record's set
of shingle tokens gets a MinHash signature (datasketch's ``affine64`` scheme over the
keyed tokens, ``NUM_PERM`` values, computed by a compiled kernel for all records at
once, bit-identical to ``datasketch.MinHash.update_batch``).

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

from dataclasses import dataclass

import numba
import numpy as np
import polars as pl
from datasketch import MinHashLSH

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
    """Signatures of the records' keyed name + address shingles and address numbers."""
    toks = shingle_tokens(norm, key)
    if toks.height == 0:
        return empty()
    row = toks["row"].to_numpy().astype(np.int64)
    a, b = _permutations(NUM_PERM, SEED)
    sig = np.full((norm.height, NUM_PERM), _EMPTY, dtype=np.uint64)
    _minhash_rows(np.ascontiguousarray(toks["token"].to_numpy()), row, a, b, sig)
    rows = np.unique(row)
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
    """
    if sigs.size == 0:
        return empty()
    distinct = np.unique(sigs.sig, axis=0)
    return Signatures(np.zeros(distinct.shape[0], dtype=np.uint32), distinct)


def band_ranges() -> list[tuple[int, int]]:
    """The bands of datasketch's MinHashLSH at our threshold and num_perm."""
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

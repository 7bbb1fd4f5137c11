"""Containment sketches (FracMinHash over keyed tokens) with a datasketch fingerprint.

A sketch of a list keeps:

* ``sampled``: for every token type, the sorted distinct tokens whose *anchor* token
  is at most ``2^64 / scale`` (for an anchor, itself). Both sides sample the same hash
  range, so a leak's sampled anchors are a uniform sample of the leak and each can be
  checked exactly against the source's sample; version tokens follow their anchor, so
  a sampled, matched anchor can always be checked for the field values it carries.
* ``exact`` (optional, the exact tier): every distinct token of every type. The case
  keeps it for sources the investigator sketched from raw data, which makes small
  leaks answerable exactly.
* ``fingerprint``: the datasketch MinHash of all anchor tokens.
* ``records`` (leaks only): every token with the record it came from.
* ``masked_pairs`` (sources only): for each sampled masked-anchor token, the full
  anchors behind it, from which the engine estimates how often unrelated people share
  a masked value (attrib/masked.py).

Everything is mergeable: the sketch of a file equals the merge of the sketches of its
parts (union of sets, element-wise minimum of fingerprints, sums of counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

import numpy as np
import polars as pl

from attrib import __version__
from attrib import neardup as neardup_mod
from attrib.arrays import distinct, union_sorted
from attrib.errors import SketchError
from attrib.fields import KINDS
from attrib.longform import split_by_type
from attrib.masked import collision_pairs, merge_pairs
from attrib.sketch import fileformat
from attrib.sketch.fingerprint import SCHEME, fingerprint, merge_fingerprints
from attrib.tokens import (
    ANCHORS,
    HASH_SPEC,
    MASKED_ANCHORS,
    CaseKey,
    RecordTokens,
    masked_record_tokens,
    max_hash_for_scale,
    record_tokens,
)

SCHEMA = "attrib.sketch/1"


@dataclass(frozen=True)
class SketchParams:
    """Parameters two sketches must share to be compared."""

    scale: int
    num_perm: int
    seed: int
    key_id: str
    scheme: str = SCHEME
    hash_spec: str = HASH_SPEC

    def to_dict(self) -> dict[str, Any]:
        return {"scale": self.scale, "num_perm": self.num_perm, "seed": self.seed,
                "key_id": self.key_id, "scheme": self.scheme, "hash_spec": self.hash_spec}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SketchParams:
        return cls(scale=int(d["scale"]), num_perm=int(d["num_perm"]), seed=int(d["seed"]),
                   key_id=str(d["key_id"]), scheme=str(d["scheme"]),
                   hash_spec=str(d["hash_spec"]))

    @property
    def max_hash(self) -> int:
        return max_hash_for_scale(self.scale)


@dataclass(frozen=True)
class Sketch:
    """A keyed sketch of one list (a source snapshot or a leak)."""

    kind: str  # "source" | "leak"
    params: SketchParams
    meta: dict[str, Any]
    counts: dict[str, int]
    sampled: dict[str, np.ndarray]
    fingerprint: np.ndarray
    exact: dict[str, np.ndarray] | None = None
    records: pl.DataFrame | None = None
    tool_version: str = field(default=__version__)
    #: Per masked anchor type: (masked token, full anchor token) pairs, shape (n, 2), for
    #: the sampled masked tokens of a source; None in leaks and older sketches.
    masked_pairs: dict[str, np.ndarray] | None = None
    #: MinHash signatures of every record's keyed name + address shingles (leaks, and
    #: sources with the exact tier): near-duplicate records (attrib/neardup.py).
    neardup: neardup_mod.Signatures | None = None

    @property
    def rows(self) -> int:
        return int(self.counts.get("rows", 0))

    @property
    def persons(self) -> int:
        """Records with at least one anchor token: the list's size in the likelihood."""
        return int(self.counts.get("rows_with_anchor", 0))

    @property
    def kinds(self) -> list[str]:
        return list(self.meta.get("kinds", []))

    def holds(self, token_type: str) -> bool:
        """Whether this list carries the fields a token type is made of."""
        anchor, _, fld = token_type.partition(">")
        fields = ANCHORS[anchor] if anchor in ANCHORS else MASKED_ANCHORS[anchor]
        needed = set(fields) | ({fld} if fld else set())
        return needed <= set(self.kinds)

    def has_masked(self, token_type: str) -> bool:
        """Whether this sketch was made with masked anchors of a type (and can hold them).

        Sketches made before masked anchors existed hold none; they must not count as
        lacking a leak's masked tokens.
        """
        return f"masked:{token_type}" in self.counts

    def tokens(self, token_type: str, *, exact: bool) -> np.ndarray:
        """Sorted distinct tokens of a type from the exact tier or the sample."""
        store = self.exact if exact else self.sampled
        if store is None:
            raise SketchError("this sketch has no exact tier")
        return store.get(token_type, np.zeros(0, dtype=np.uint64))

    def with_meta(self, **updates: Any) -> Sketch:
        return replace(self, meta={**self.meta, **updates})


def _distinct_by_type(parts: dict[str, pl.DataFrame],
                      sample_below: int | None) -> dict[str, np.ndarray]:
    """Sorted distinct tokens per type; with ``sample_below``, of the records whose
    anchor is at most it (numpy's sort beats polars' unique + sort here)."""
    out = {}
    for t, part in parts.items():
        tokens = part["token"].to_numpy()
        if sample_below is not None:
            tokens = tokens[part["anchor"].to_numpy() <= np.uint64(sample_below)]
            if tokens.size == 0:
                continue
        out[t] = distinct(tokens)
    return out


@dataclass(frozen=True)
class Detail:
    """What a leak's sketch holds beyond its sample (both by default).

    The exact tier is chosen only when every source keeps one, and near-duplicate
    evidence needs a source's signature set, which only exact-tier sources keep; a leak
    attributed in a case without them needs neither, and they are most of its cost:

    - ``all_versions``: version tokens for every anchor, not only the sampled ones (the
      leak's meta says ``versions: sampled`` when not);
    - ``signatures``: per-record near-duplicate signatures.
    """

    all_versions: bool = True
    signatures: bool = True

    def meta(self) -> dict[str, str]:
        """What the leak's meta records of a reduced sketch."""
        return {} if self.all_versions else {"versions": "sampled"}


def build_sketch(
    norm_frame: pl.DataFrame,
    key: CaseKey,
    params: SketchParams,
    *,
    kind: str,
    meta: dict[str, Any],
    exact: bool,
    keep_records: bool = False,
    detail: Detail | None = None,
) -> Sketch:
    """Sketch a normalised frame.

    Args:
        norm_frame: canonical values, one column per field kind.
        key: the case key.
        params: sketch parameters (must carry ``key.key_id``).
        kind: ``"source"`` or ``"leak"``.
        meta: provenance to store (org, snapshot, input file facts, quality, kinds).
        exact: also keep every token (the exact tier).
        keep_records: keep each token with its record (leaks).
        detail: what a leak compared only on the sampled tier can leave out
            (:class:`Detail`; default: nothing).
    """
    if params.key_id != key.key_id:
        raise SketchError("sketch parameters name another key")
    detail = detail or Detail()
    cutoff = None if (exact or keep_records) and detail.all_versions else params.max_hash
    full = record_tokens(norm_frame, key, keep_anchor_below=cutoff)
    masked = masked_record_tokens(norm_frame, key, keep_anchor_below=cutoff)
    sk = sketch_tokens(full, masked, params, kind=kind, columns=norm_frame.columns,
                       rows=norm_frame.height,
                       meta=meta, exact=exact, keep_records=keep_records)
    if not detail.signatures:
        return sk
    return replace(sk, neardup=_signatures(norm_frame, key, kind, exact, keep_records))


def sketch_tokens(
    full: RecordTokens | pl.DataFrame,
    masked: RecordTokens | pl.DataFrame,
    params: SketchParams,
    *,
    kind: str,
    columns: list[str],
    rows: int,
    meta: dict[str, Any],
    exact: bool,
    keep_records: bool = False,
) -> Sketch:
    """The sketch of a list's keyed tokens (:func:`attrib.tokens.record_tokens` and
    :func:`attrib.tokens.masked_record_tokens`, or their long forms), without
    near-duplicate signatures (those need the normalised values). ``columns``: the
    normalised frame's columns; ``rows``: its height."""
    kinds = sorted(c for c in columns if c in KINDS)
    parts = dict(_by_type(full))
    for t, part in _by_type(masked).items():  # disjoint types, unless a caller mixed them
        parts[t] = pl.concat([parts[t], part]) if t in parts else part
    anchor_parts = [parts[t] for t in ANCHORS if t in parts]
    counts = {"rows": rows, "rows_with_anchor": _rows_covered(anchor_parts, rows)}
    for t in ANCHORS:
        if t in parts:
            counts[f"anchor:{t}"] = parts[t].height
    counts.update(_masked_counts(parts, columns))
    fp = fingerprint([p["token"].to_numpy() for p in anchor_parts], params.num_perm,
                     params.seed)
    return Sketch(
        kind=kind,
        params=params,
        meta={"kinds": kinds, **meta},
        counts=counts,
        sampled=_distinct_by_type(parts, params.max_hash),
        fingerprint=fp,
        exact=_distinct_by_type(parts, None) if exact else None,
        records=_long_form(full, masked) if keep_records else None,
        masked_pairs=collision_pairs(parts, params.max_hash) if kind == "source" else None,
    )


def _by_type(tokens: RecordTokens | pl.DataFrame) -> dict[str, pl.DataFrame]:
    return tokens.parts if isinstance(tokens, RecordTokens) else split_by_type(tokens)


def _long_form(full: RecordTokens | pl.DataFrame,
               masked: RecordTokens | pl.DataFrame) -> pl.DataFrame:
    """Full and masked tokens in one long form (a leak's ``records``)."""
    frames = [t.frame if isinstance(t, RecordTokens) else t for t in (full, masked)]
    return pl.concat(frames, how="vertical") if frames[1].height else frames[0]


def _rows_covered(parts: list[pl.DataFrame], rows: int) -> int:
    """Records with at least one token among ``parts`` (the distinct row numbers;
    normally 0 .. rows - 1, but a caller may pass a subset of a larger frame)."""
    numbers = [p["row"].to_numpy() for p in parts if p.height]
    if not numbers:
        return 0
    for n in numbers:
        # A type held by every record (rows 0 .. rows - 1 in order, as record_tokens
        # emits them) covers them all: no need to mark each.
        if n.size == rows and n[0] == 0 and n[-1] == rows - 1 and (
                rows < 2 or bool(np.all(n[1:] > n[:-1]))):
            return rows
    seen = np.zeros(max(rows, max(int(n.max()) for n in numbers) + 1), dtype=np.bool_)
    for n in numbers:
        seen[n] = True
    return int(np.count_nonzero(seen))


def _signatures(norm_frame: pl.DataFrame, key: CaseKey, kind: str, exact: bool,
                keep_records: bool) -> neardup_mod.Signatures | None:
    """Near-duplicate signatures: per record for a leak, as a set for an exact source."""
    if keep_records:
        return neardup_mod.signatures(norm_frame, key)
    if exact and kind == "source":
        return neardup_mod.as_set(neardup_mod.signatures(norm_frame, key))
    return None


def _masked_counts(parts: dict[str, pl.DataFrame], columns: list[str]) -> dict[str, int]:
    """``masked:TYPE`` record counts for every masked anchor the list's fields allow.

    Written even when zero: the key says the sketch was made with masked anchors.
    """
    return {f"masked:{t}": parts[t].height if t in parts else 0
            for t, fields in MASKED_ANCHORS.items() if set(fields) <= set(columns)}


def merge_sketches(parts: list[Sketch], meta: dict[str, Any] | None = None) -> Sketch:
    """Merge sketches of parts of one list into the sketch of the whole.

    Raises:
        SketchError: the parts were made with different parameters.
    """
    if not parts:
        raise SketchError("nothing to merge")
    first = parts[0]
    for p in parts[1:]:
        if p.params != first.params or p.kind != first.kind:
            raise SketchError("cannot merge sketches made with different parameters")
    counts: dict[str, int] = {}
    for p in parts:
        for k, v in p.counts.items():
            counts[k] = counts.get(k, 0) + int(v)

    def union(stores: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
        keys = sorted({k for s in stores for k in s})
        return {k: union_sorted([s[k] for s in stores if k in s]) for k in keys}

    exact = None
    if all(p.exact is not None for p in parts):
        exact = union([p.exact for p in parts if p.exact is not None])
    records = None
    if all(p.records is not None for p in parts):
        shifted = []
        offset = 0
        for p in parts:
            assert p.records is not None
            shifted.append(p.records.with_columns(pl.col("row") + offset))
            offset += p.rows
        records = pl.concat(shifted)
    kinds = sorted({k for p in parts for k in p.kinds})
    nd = None
    if all(p.neardup is not None for p in parts):
        firsts = np.cumsum([0] + [p.rows for p in parts[:-1]])
        nd = neardup_mod.merge([(p.neardup, int(f)) for p, f in zip(parts, firsts, strict=True)
                                if p.neardup is not None])
        if first.records is None:  # a source: a set, independent of the merge order
            nd = neardup_mod.as_set(nd)
    pairs = None
    if all(p.masked_pairs is not None for p in parts):
        pairs = merge_pairs([p.masked_pairs for p in parts if p.masked_pairs is not None])
    return Sketch(
        kind=first.kind,
        params=first.params,
        meta={**first.meta, **(meta or {}), "kinds": kinds},
        counts=counts,
        sampled=union([p.sampled for p in parts]),
        fingerprint=merge_fingerprints(*[p.fingerprint for p in parts]),
        exact=exact,
        records=records,
        masked_pairs=pairs,
        neardup=nd,
    )


# ---------------------------------------------------------------------------
# Serialisation


def _sorted_records(recs: pl.DataFrame) -> pl.DataFrame:
    """Records in (type number, row, token) order.

    A record holds one token per type, so (type, row) is almost always unique and one
    packed 64-bit key sorts them (multi-column sorts are several times slower); the
    token only breaks ties when a (type, row) repeats.
    """
    key = ((recs["type"].to_numpy().astype(np.uint64) << np.uint64(32))
           | recs["row"].to_numpy().astype(np.uint64))
    out = recs.with_columns(pl.Series("_key", key)).sort("_key")
    ordered = out["_key"].to_numpy()
    if ordered.size > 1 and bool(np.any(ordered[1:] == ordered[:-1])):
        out = out.sort(["_key", "token"])
    return out.drop("_key")


def to_bytes(sk: Sketch) -> bytes:
    """Encode a sketch in the ``.sketch`` file format (deterministic)."""
    return encode(sk)[0]


def encode(sk: Sketch) -> tuple[bytes, str]:
    """The ``.sketch`` file bytes of a sketch and their SHA-256 (hex)."""
    return fileformat.encode(*_header_sections(sk))


def write_sketch(sk: Sketch, fh: BinaryIO) -> str:
    """Write a sketch's ``.sketch`` file to ``fh``; return its SHA-256 (hex)."""
    return fileformat.write(fh, *_header_sections(sk))


def _header_sections(sk: Sketch) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    sections: dict[str, np.ndarray] = {"fingerprint": sk.fingerprint}
    for t, arr in sk.sampled.items():
        sections[f"sampled/{t}"] = arr
    # A leak's exact tier is the distinct tokens of its records, type by type: not
    # written twice (a 10^6-record leak's would take 216 MB), rebuilt when read.
    exact_from_records = sk.exact is not None and sk.records is not None
    if sk.exact is not None and not exact_from_records:
        for t, arr in sk.exact.items():
            sections[f"exact/{t}"] = arr
    for t, pairs in (sk.masked_pairs or {}).items():
        sections[f"maskpairs/{t}"] = pairs.reshape(-1)
    if sk.neardup is not None:
        sections["neardup/rows"] = sk.neardup.rows.astype(np.uint32)
        sections["neardup/sig"] = sk.neardup.sig.reshape(-1)
    types: list[str] = []
    if sk.records is not None:
        types = sorted(sk.records["type"].unique().to_list())
        index = {t: i for i, t in enumerate(types)}
        # Type numbers follow the sorted type names, so sorting by number sorts by name
        # (a numeric sort: several times faster than one on the strings).
        recs = _sorted_records(sk.records.with_columns(
            pl.col("type").replace_strict(index, return_dtype=pl.UInt32)))
        sections["records/row"] = recs["row"].to_numpy().astype(np.uint32)
        sections["records/type"] = recs["type"].to_numpy()
        sections["records/token"] = recs["token"].to_numpy()
        sections["records/anchor"] = recs["anchor"].to_numpy()
    header = {
        "schema": SCHEMA,
        "kind": sk.kind,
        "params": sk.params.to_dict(),
        "meta": sk.meta,
        "counts": sk.counts,
        "tool_version": sk.tool_version,
        "has_exact": sk.exact is not None,
        "record_types": types,
    }
    if exact_from_records:
        header["exact"] = "records"
    if sk.neardup is not None:
        header["neardup"] = neardup_mod.params()
    return header, sections


def _neardup_section(header: dict[str, Any],
                     sections: dict[str, np.ndarray]) -> neardup_mod.Signatures | None:
    """Stored signatures, if made with the parameters this version compares."""
    if "neardup/rows" not in sections or header.get("neardup") != neardup_mod.params():
        return None
    return neardup_mod.Signatures(sections["neardup/rows"],
                                  sections["neardup/sig"].reshape(-1, neardup_mod.WIDTH))


def from_bytes(data: bytes, *, name: str = "sketch") -> Sketch:
    """Decode and verify a ``.sketch`` file's bytes."""
    header, sections = fileformat.loads(data, name=name)
    if header.get("schema") != SCHEMA:
        raise SketchError(f"{name}: unknown sketch schema {header.get('schema')!r}")
    try:
        sampled = {k.split("/", 1)[1]: v for k, v in sections.items() if k.startswith("sampled/")}
        exact = None
        if header["has_exact"] and header.get("exact") != "records":
            exact = {k.split("/", 1)[1]: v for k, v in sections.items()
                     if k.startswith("exact/")}
        pairs = {k.split("/", 1)[1]: v.reshape(-1, 2) for k, v in sections.items()
                 if k.startswith("maskpairs/")}
        records = None
        if "records/row" in sections:
            types = header["record_types"]
            records = pl.DataFrame({
                "row": sections["records/row"],
                "type": pl.Series(types, dtype=pl.String).gather(
                    sections["records/type"].astype(np.int64)),
                "token": sections["records/token"],
                "anchor": sections["records/anchor"],
            }, schema={"row": pl.UInt32, "type": pl.String, "token": pl.UInt64,
                       "anchor": pl.UInt64})
        if header["has_exact"] and header.get("exact") == "records":
            if records is None:
                raise SketchError(f"{name}: sketch file is malformed (exact tier "
                                  "without records)")
            exact = _distinct_by_type(split_by_type(records), None)
        return Sketch(
            kind=header["kind"],
            params=SketchParams.from_dict(header["params"]),
            meta=header["meta"],
            counts={k: int(v) for k, v in header["counts"].items()},
            sampled=sampled,
            fingerprint=sections["fingerprint"],
            exact=exact,
            records=records,
            tool_version=header["tool_version"],
            masked_pairs=pairs if header["kind"] == "source" else None,
            neardup=_neardup_section(header, sections),
        )
    except (KeyError, IndexError, TypeError, ValueError):
        raise SketchError(f"{name}: sketch file is malformed") from None

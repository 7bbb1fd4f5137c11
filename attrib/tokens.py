"""Records become keyed 64-bit tokens. The hash specification lives here, once.

Hash spec ``attrib-token/1`` (see docs/formats.md for golden vectors):

1. The case key is 32 random bytes. For each token type ``t`` (e.g. ``phone``,
   ``national_id>address``) a 128-bit subkey is derived::

       K_t = HMAC-SHA256(case_key, b"attrib-token/1" 0x00 case_id 0x00 t)[:16]

   so tokens of different types and different cases never collide on purpose
   (domain separation).
2. The token of a value ``v`` (its canonical text, UTF-8) is::

       token = first 8 bytes, big-endian, of AES-128-CMAC(K_t, UTF-8(v))   (RFC 4493)

   Composite values join their parts with U+001F (unit separator).

AES-CMAC is a standard PRF for messages of any length, available in every
cryptographic library, so an organisation can re-implement it independently; here it
is computed for millions of values at once with AES-ECB over numpy block matrices
(one AES call per block position), which is what makes sketching fast.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numba
import numpy as np
import polars as pl
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

HASH_SPEC = "attrib-token/1"
SEP = "\x1f"

#: Single identifiers and quasi-identifier combinations: each points at one person.
ANCHORS: dict[str, tuple[str, ...]] = {
    "national_id": ("national_id",),
    "phone": ("phone",),
    "email": ("email",),
    "plate": ("plate",),
    "name_dob": ("name", "birth_date"),
    "name_phone": ("name", "phone"),
}
#: Fields whose value an organisation's copy of a person may hold differently
#: (moved house, new phone): paired with an anchor they give a *version* token.
#: Names rarely differ between organisations, but when they do (a courier's "张先生",
#: a typo kept for years) the difference is characteristic of one organisation's copy.
VERSION_FIELDS: tuple[str, ...] = ("address", "phone", "email", "plate", "name")
#: Anchors that define a person on their own; ``name_phone`` is an anchor for
#: matching but carries no version tokens (it is itself a version of the phone).
VERSION_ANCHORS: tuple[str, ...] = ("national_id", "phone", "email", "plate", "name_dob")

_CHUNK = 1 << 16


def version_type(anchor: str, field: str) -> str:
    """Return the token type name of the version token pairing ``anchor`` with ``field``."""
    return f"{anchor}>{field}"


def version_types() -> list[str]:
    """Return every version token type, in a fixed order."""
    return [
        version_type(a, f)
        for a in VERSION_ANCHORS
        for f in VERSION_FIELDS
        if f not in ANCHORS[a]
    ]


def all_token_types() -> list[str]:
    """Return every token type attrib produces, anchors first."""
    return list(ANCHORS) + version_types()


@dataclass(frozen=True)
class CaseKey:
    """The secret of a case. Never written anywhere but the case's ``key`` file and kits."""

    secret: bytes
    case_id: str

    @property
    def key_id(self) -> str:
        """A public identifier of the key: equal ids mean equal keys, and it reveals nothing."""
        return hashlib.sha256(b"attrib-key-id/1\x00" + self.secret).hexdigest()[:16]

    def subkey(self, token_type: str) -> bytes:
        """Return the 128-bit AES key for one token type (domain separation)."""
        return _subkey(self.secret, self.case_id, token_type)


@lru_cache(maxsize=256)
def _subkey(secret: bytes, case_id: str, token_type: str) -> bytes:
    msg = HASH_SPEC.encode() + b"\x00" + case_id.encode() + b"\x00" + token_type.encode()
    return hmac.new(secret, msg, hashlib.sha256).digest()[:16]


def _aes_ecb(key: bytes, blocks: np.ndarray) -> np.ndarray:
    """Encrypt an (n, 16) uint8 matrix block by block (AES-128-ECB)."""
    enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    out = enc.update(np.ascontiguousarray(blocks).tobytes()) + enc.finalize()
    return np.frombuffer(out, dtype=np.uint8).reshape(-1, 16)


def _dbl(block: bytes) -> bytes:
    """Doubling in GF(2^128), as RFC 4493 derives the CMAC subkeys."""
    n = int.from_bytes(block, "big") << 1
    if n >> 128:
        n = (n & ((1 << 128) - 1)) ^ 0x87
    return n.to_bytes(16, "big")


@lru_cache(maxsize=256)
def _cmac_subkeys(key: bytes) -> tuple[np.ndarray, np.ndarray]:
    ell = _aes_ecb(key, np.zeros((1, 16), dtype=np.uint8))[0].tobytes()
    k1 = _dbl(ell)
    k2 = _dbl(k1)
    return np.frombuffer(k1, dtype=np.uint8), np.frombuffer(k2, dtype=np.uint8)


def cmac64(key: bytes, values: pl.Series | pa.Array | Iterable[str]) -> np.ndarray:
    """AES-128-CMAC of each value, truncated to its first 8 bytes as a big-endian uint64.

    Args:
        key: 16-byte AES key (a token-type subkey).
        values: non-null strings; hashed as their UTF-8 bytes.

    Returns:
        uint64 array, one token per value, in input order.
    """
    if isinstance(values, pl.Series):
        arr = values.cast(pl.String).to_arrow()
    elif isinstance(values, pa.Array | pa.ChunkedArray):
        arr = values
    else:
        arr = pa.array(list(values), type=pa.large_string())
    n = len(arr)
    out = np.empty(n, dtype=np.uint64)
    for start in range(0, n, _CHUNK):
        part = arr.slice(start, min(_CHUNK, n - start))
        out[start : start + len(part)] = _cmac64_chunk(key, part)
    return out


def _cmac64_chunk(key: bytes, arr: pa.Array) -> np.ndarray:
    arr = arr.cast(pa.large_binary())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if arr.null_count:
        raise ValueError("token values must not be null")
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = (np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None
            else np.zeros(1, dtype=np.uint8))
    lengths = np.diff(offsets)
    nblocks = np.maximum(1, (lengths + 15) // 16)
    k1, k2 = _cmac_subkeys(key)
    out = np.empty(len(lengths), dtype=np.uint64)
    for nb in np.flatnonzero(np.bincount(nblocks)):
        rows = np.flatnonzero(nblocks == nb)
        n = len(rows)
        # Block-major layout: block j of every message is one contiguous (n, 16) slab,
        # so each CBC step is one XOR and one AES-ECB call over all messages at once.
        msg = np.zeros((int(nb), n, 16), dtype=np.uint8)
        _fill_cmac_blocks(data, offsets, rows, k1, k2, msg)
        enc = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        state = np.empty(n * 16 + 15, dtype=np.uint8)
        enc.update_into(msg[0], state)
        for j in range(1, int(nb)):
            np.bitwise_xor(msg[j].reshape(-1), state[: n * 16], out=msg[j].reshape(-1))
            enc.update_into(msg[j], state)
        out[rows] = state[: n * 16].reshape(n, 16)[:, :8].copy().view(">u8").ravel()
    return out


@numba.njit(cache=True, nogil=True)
def _fill_cmac_blocks(data: np.ndarray, offsets: np.ndarray, rows: np.ndarray, k1: np.ndarray,
                      k2: np.ndarray, msg: np.ndarray) -> None:
    """Lay out each message as CMAC blocks (block-major: msg[block, message, byte]):
    padded (0x80 0x00...) and the last block XORed with subkey K1 (complete) or K2
    (padded), as RFC 4493 prescribes. Every byte of ``msg`` is written, one fixed
    16-byte step at a time (a branch per byte, no data-dependent loop bounds)."""
    nb = msg.shape[0]
    for i in range(rows.size):
        start = offsets[rows[i]]
        length = offsets[rows[i] + 1] - start
        sub = k1 if (length > 0 and length % 16 == 0) else k2
        for b in range(nb):
            lo = b * 16
            for j in range(16):
                p = lo + j
                if p < length:
                    v = data[start + p]
                elif p == length:
                    v = np.uint8(0x80)
                else:
                    v = np.uint8(0)
                if b == nb - 1:
                    v ^= sub[j]
                msg[b, i, j] = v


def token_of(key: CaseKey, token_type: str, value: str) -> int:
    """Reference implementation of one token with the ``cryptography`` CMAC primitive.

    Used by the golden vectors and parity tests; the vectorised path must agree.
    """
    from cryptography.hazmat.primitives.cmac import CMAC

    c = CMAC(algorithms.AES(key.subkey(token_type)))
    c.update(value.encode("utf-8"))
    return int.from_bytes(c.finalize()[:8], "big")


def tokens_for(key: CaseKey, token_type: str, values: pl.Series) -> np.ndarray:
    """Vectorised keyed tokens of one type for a Series of canonical values (no nulls)."""
    return cmac64(key.subkey(token_type), values)


def max_hash_for_scale(scale: int) -> int:
    """Largest token kept by a FracMinHash sketch of this scale (keep token <= this)."""
    return (2**64 - 1) // int(scale)


def _joined(frame: pl.DataFrame, parts: tuple[str, ...]) -> pl.Expr:
    if len(parts) == 1:
        return pl.col(parts[0])
    return pl.concat_str([pl.col(p) for p in parts], separator=SEP)


@dataclass(frozen=True)
class RecordTokens:
    """Keyed tokens of a frame in long form.

    ``frame`` has columns ``row`` (UInt32, the record's position), ``type`` (String),
    ``token`` (UInt64) and ``anchor`` (UInt64: for an anchor token itself, for a
    version token the token of its anchor, which decides whether it is sampled).
    """

    frame: pl.DataFrame

    def of_type(self, token_type: str) -> pl.DataFrame:
        """Rows of one token type."""
        return self.frame.filter(pl.col("type") == token_type)


def record_tokens(
    norm: pl.DataFrame,
    key: CaseKey,
    *,
    keep_anchor_below: int | None = None,
) -> RecordTokens:
    """Compute every anchor and version token of every record.

    Args:
        norm: a normalised frame (``attrib.fields.Normalised.frame``): one column per
            kind holding canonical values or null.
        key: the case key.
        keep_anchor_below: if given, version tokens are only computed for anchors
            whose token is at most this value (the sampled ones); anchors are always
            all computed. This is what keeps sketching a huge snapshot cheap.

    Returns:
        The tokens in long form, ordered by type then row.
    """
    kinds = set(norm.columns)
    row = pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("row")
    parts: list[pl.DataFrame] = []
    base = norm.with_columns(row)
    for anchor, fields in ANCHORS.items():
        if not set(fields) <= kinds:
            continue
        sel = base.filter(pl.all_horizontal([pl.col(f).is_not_null() for f in fields])).select(
            "row", _joined(norm, fields).alias("value"), *[pl.col(f) for f in kinds]
        )
        if sel.height == 0:
            continue
        anchor_tok = pl.Series("anchor", tokens_for(key, anchor, sel["value"]), dtype=pl.UInt64)
        sel = sel.with_columns(anchor_tok)
        parts.append(
            sel.select(
                "row",
                pl.lit(anchor).alias("type"),
                pl.col("anchor").alias("token"),
                "anchor",
            )
        )
        if anchor not in VERSION_ANCHORS:
            continue
        if keep_anchor_below is not None:
            sel = sel.filter(pl.col("anchor") <= keep_anchor_below)
        for field in VERSION_FIELDS:
            if field in fields or field not in kinds:
                continue
            vsel = sel.filter(pl.col(field).is_not_null())
            if vsel.height == 0:
                continue
            vtype = version_type(anchor, field)
            values = vsel.select(
                pl.concat_str([pl.col("value"), pl.col(field)], separator=SEP)
            ).to_series()
            toks = pl.Series("token", tokens_for(key, vtype, values), dtype=pl.UInt64)
            parts.append(
                vsel.select("row", pl.lit(vtype).alias("type"), "anchor").with_columns(toks)
                .select("row", "type", "token", "anchor")
            )
    if not parts:
        empty = pl.DataFrame(
            schema={"row": pl.UInt32, "type": pl.String, "token": pl.UInt64, "anchor": pl.UInt64}
        )
        return RecordTokens(empty)
    return RecordTokens(pl.concat(parts, how="vertical"))


# ---------------------------------------------------------------------------
# Masked anchors (``attrib-token/1``, added without changing any token above)
#
# Lists are often sold with ``138****1234`` phones or ``110105********002X`` IDs. What
# stays visible is the same on both sides: a leak shows it, and an organisation's full
# value shows it once the hidden digits are blanked. On its own it is shared by
# thousands of people (10^4 mobiles behind every ``138****1234``), so it only becomes
# an anchor combined with a field sellers rarely mask (name, birth date). These types
# never replace the full anchors: the engine uses them only for records that carry no
# full identifier, with their own, higher chance-collision rate (attrib/masked.py).

#: Masked anchor type -> (fields joined, in this order, with U+001F; the masked field).
MASKED_ANCHORS: dict[str, tuple[str, ...]] = {
    "masked_phone_name": ("name", "phone"),
    "masked_phone_dob": ("birth_date", "phone"),
    "masked_id_name": ("name", "national_id"),
    "masked_id3_name": ("name", "national_id"),
}
#: Per masked anchor: (masked kind, visible leading characters, visible trailing
#: characters). The value hides every other character with ``*``: a mobile keeps
#: 3 + 4 (``138****1234``, how Chinese services show numbers), an ID 6 + 4
#: (``110105********002X``) or 3 + 4 (``110***********002X``). A masked value shows
#: a pattern when at least those characters are visible (``1101**********002X`` gives
#: the 3 + 4 form), so one source token serves every mask that leaves them visible.
MASK_PATTERNS: dict[str, tuple[str, int, int]] = {
    "masked_phone_name": ("phone", 3, 4),
    "masked_phone_dob": ("phone", 3, 4),
    "masked_id_name": ("national_id", 6, 4),
    "masked_id3_name": ("national_id", 3, 4),
}
#: The full anchor that tells persons apart behind one masked value (used to count
#: chance collisions inside a source; see attrib/masked.py).
MASKED_COMPANIONS: dict[str, str] = {
    "masked_phone_name": "name_phone",
    "masked_phone_dob": "phone",
    "masked_id_name": "national_id",
    "masked_id3_name": "national_id",
}
#: Version fields of masked anchors. A record that is matched by a masked anchor has no
#: full identifier (otherwise the full anchor decides), so the only fields it can carry
#: besides the anchor's own are an address and, for ``masked_phone_dob``, a name.
MASKED_VERSION_FIELDS: tuple[str, ...] = ("address", "name")

_MASKED_LENGTH = {"phone": 11, "national_id": 18}
# The canonical full value a masked form is derived from: a mobile's 11 digits (the
# canonical ``86`` prefix dropped; landlines and foreign numbers are never masked this
# way: a canonical CN mobile is the only 13-character value starting ``861``) and the
# 18-character ID.
_FULL_PREFIX = {"phone": "861", "national_id": ""}
_FULL_SKIP = {"phone": 2, "national_id": 0}


def masked_types() -> list[str]:
    """Every masked anchor type and its version types, in a fixed order."""
    out = list(MASKED_ANCHORS)
    for a, fields in MASKED_ANCHORS.items():
        out += [version_type(a, f) for f in MASKED_VERSION_FIELDS if f not in fields]
    return out


def is_masked_type(token_type: str) -> bool:
    """Whether a token type is a masked anchor or one of its version types."""
    return token_type.partition(">")[0] in MASKED_ANCHORS


def masked_form(frame: pl.DataFrame, anchor: str) -> pl.Series:
    """The visible form of each record's identifier for one masked anchor type (or null).

    From a full canonical value: its leading and trailing characters with the rest as
    ``*``. From a masked value (``phone_masked``, ``national_id_masked``, canonical
    masks of the right length): the same, if the pattern's characters are visible in
    it (no ``*`` among them).
    """
    kind, head, tail = MASK_PATTERNS[anchor]
    return _visible_form(_shown_value(frame, kind), _MASKED_LENGTH[kind], head, tail)


def _shown_value(frame: pl.DataFrame, kind: str) -> pl.Series:
    """Per record, the full value's characters (mobile without ``86``) or the mask."""
    if kind not in frame.columns and f"{kind}_masked" not in frame.columns:
        return pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias(kind)
    shown = pl.lit(None, dtype=pl.String)
    if kind in frame.columns:
        col = pl.col(kind).cast(pl.String)
        is_full = ((col.str.len_bytes() == _MASKED_LENGTH[kind] + _FULL_SKIP[kind])
                   & col.str.starts_with(_FULL_PREFIX[kind]))
        shown = pl.when(is_full).then(col.str.slice(_FULL_SKIP[kind]))
    if f"{kind}_masked" in frame.columns:
        shown = pl.coalesce(shown, pl.col(f"{kind}_masked").cast(pl.String))
    return frame.select(shown.alias(kind)).to_series()


def _visible_form(shown: pl.Series, length: int, head: int, tail: int) -> pl.Series:
    # ``shown`` is materialised once: an expression repeating its derivation three
    # times was 3x slower on a 200k-row snapshot.
    s = pl.col(shown.name)
    first, last = s.str.slice(0, head), s.str.slice(length - tail)
    ok = ((s.str.len_bytes() == length) & ~first.str.contains("*", literal=True)
          & ~last.str.contains("*", literal=True))
    form = pl.concat_str([first, pl.lit("*" * (length - head - tail)), last])
    return shown.to_frame().select(pl.when(ok).then(form).alias(shown.name)).to_series()


def masked_record_tokens(
    norm: pl.DataFrame,
    key: CaseKey,
    *,
    keep_anchor_below: int | None = None,
) -> RecordTokens:
    """Masked anchor tokens (and their version tokens) of every record.

    Same long form and sampling rule as :func:`record_tokens`: a masked anchor is its
    own anchor, its version tokens follow it. Value of a masked anchor: its fields
    joined with U+001F, the masked field in its visible form (:func:`masked_form`),
    e.g. ``张伟␟138****1234``; of a version token: that value, U+001F, the field.
    """
    row = pl.int_range(0, pl.len(), dtype=pl.UInt32).alias("row")
    base = norm.with_columns(row)
    parts: list[pl.DataFrame] = []
    forms: dict[tuple[str, int, int], pl.Series] = {}
    for anchor, fields in MASKED_ANCHORS.items():
        kind = MASK_PATTERNS[anchor][0]
        if not set(fields) <= set(norm.columns):
            continue
        if MASK_PATTERNS[anchor] not in forms:  # two anchor types share a pattern
            forms[MASK_PATTERNS[anchor]] = masked_form(norm, anchor)
        shown = pl.lit(forms[MASK_PATTERNS[anchor]])
        value = pl.concat_str([shown if f == kind else pl.col(f) for f in fields],
                              separator=SEP)
        sel = base.select("row", value.alias("value"),
                          *[pl.col(f) for f in MASKED_VERSION_FIELDS if f in norm.columns]
                          ).filter(pl.col("value").is_not_null())
        if sel.height == 0:
            continue
        sel = sel.with_columns(
            pl.Series("anchor", tokens_for(key, anchor, sel["value"]), dtype=pl.UInt64))
        parts.append(sel.select("row", pl.lit(anchor).alias("type"),
                                pl.col("anchor").alias("token"), "anchor"))
        if keep_anchor_below is not None:
            sel = sel.filter(pl.col("anchor") <= keep_anchor_below)
        for field in MASKED_VERSION_FIELDS:
            if field in fields or field not in sel.columns:
                continue
            vsel = sel.filter(pl.col(field).is_not_null())
            if vsel.height == 0:
                continue
            vtype = version_type(anchor, field)
            values = vsel.select(pl.concat_str([pl.col("value"), pl.col(field)], separator=SEP))
            toks = pl.Series("token", tokens_for(key, vtype, values.to_series()),
                             dtype=pl.UInt64)
            parts.append(vsel.select("row", pl.lit(vtype).alias("type"), "anchor")
                         .with_columns(toks).select("row", "type", "token", "anchor"))
    if not parts:
        return RecordTokens(pl.DataFrame(
            schema={"row": pl.UInt32, "type": pl.String, "token": pl.UInt64,
                    "anchor": pl.UInt64}))
    return RecordTokens(pl.concat(parts, how="vertical"))

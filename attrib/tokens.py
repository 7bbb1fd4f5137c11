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
is computed for millions of values at once, the messages laid out as CMAC blocks
straight from the columns' memory and one AES-ECB call per block position
(attrib/tokenkernel.py), which is what makes sketching fast.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from attrib.tokenkernel import (
    Strings,
    Workspace,
    cmac64_joined,
    empty,
    rows_where,
    validity,
    visible_form,
)

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


@functools.lru_cache(maxsize=256)
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


@functools.lru_cache(maxsize=256)
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
        arr = values.cast(pl.String).to_arrow(compat_level=pl.CompatLevel.newest())
    elif isinstance(values, pa.Array | pa.ChunkedArray):
        arr = values
    else:
        arr = pa.array(list(values), type=pa.large_string())
    if arr.null_count:
        raise ValueError("token values must not be null")
    rows = np.arange(len(arr), dtype=np.int64)
    return cmac64_joined(key, _cmac_subkeys(key), rows, [Strings.of(arr)])


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


@dataclass(frozen=True)
class _Column:
    """One column of a frame as the token kernels read it: its values in polars' own
    memory, and which rows are not null."""

    strings: Strings
    valid: np.ndarray

    @classmethod
    def of(cls, series: pl.Series) -> _Column:
        # Non-string columns hash as their text, as ``concat_str`` and ``cast`` give it.
        arr = series.cast(pl.String).to_arrow(compat_level=pl.CompatLevel.newest())  # no copy
        return cls(Strings.of(arr), validity(arr))


class _Columns:
    """The columns of a frame in kernel form, each converted once, when first used,
    and the hashing buffers shared by every token type of the frame."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.work = Workspace()
        self._cols: dict[str, _Column] = {}

    def __getitem__(self, name: str) -> _Column:
        if name not in self._cols:
            self._cols[name] = _Column.of(self.frame.get_column(name))
        return self._cols[name]

    def tokens(self, key: CaseKey, token_type: str, rows: np.ndarray,
               parts: list[_Column]) -> np.ndarray:
        """Tokens of one type for ``rows``: their values of ``parts`` joined with U+001F."""
        subkey = key.subkey(token_type)
        return cmac64_joined(subkey, _cmac_subkeys(subkey), rows, [c.strings for c in parts],
                             self.work)


def _rows_with_all(parts: list[_Column]) -> np.ndarray:
    """Row numbers (uint32, the long form's ``row``) where no part is null."""
    valid = parts[0].valid
    for c in parts[1:]:
        valid = valid & c.valid
    return rows_where(valid)


def _take(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``values[mask]``, in memory from the Arrow pool (see :func:`attrib.tokenkernel.empty`)."""
    return np.compress(mask, values, out=empty(int(np.count_nonzero(mask)), values.dtype))


def _sampled(anchor_tokens: np.ndarray, keep_anchor_below: int | None) -> np.ndarray | None:
    """Which anchor tokens are kept (None: all), exactly as the polars expression
    ``pl.col("anchor") <= keep_anchor_below`` on a UInt64 column keeps them."""
    if keep_anchor_below is None:
        return None
    bound = keep_anchor_below
    if isinstance(bound, int) and not isinstance(bound, bool):
        if bound < 0:
            return np.zeros(anchor_tokens.size, dtype=bool)
        return anchor_tokens <= np.uint64(min(bound, 2**64 - 1))
    tokens = pl.Series("anchor", anchor_tokens, dtype=pl.UInt64).to_frame()
    return tokens.select(pl.col("anchor") <= bound).to_series().to_numpy()


class _LongForm:
    """Collects the parts of a :class:`RecordTokens`, one per token type."""

    def __init__(self) -> None:
        self.parts: dict[str, pl.DataFrame] = {}

    def add(self, token_type: str, rows: np.ndarray, tokens: np.ndarray,
            anchors: np.ndarray) -> None:
        # Series over the numpy arrays, no copies.
        self.parts[token_type] = pl.DataFrame([
            pl.Series("row", rows, dtype=pl.UInt32),
            pl.Series("token", tokens, dtype=pl.UInt64),
            pl.Series("anchor", anchors, dtype=pl.UInt64),
        ])

    def tokens(self) -> RecordTokens:
        return RecordTokens(self.parts)


_LONG_SCHEMA = {"row": pl.UInt32, "type": pl.String, "token": pl.UInt64, "anchor": pl.UInt64}


@dataclass(frozen=True)
class RecordTokens:
    """Keyed tokens of a frame, by token type.

    ``parts`` maps each token type present, in a fixed order (anchors, each followed by
    its version types), to its rows: ``row`` (UInt32, the record's position), ``token``
    (UInt64) and ``anchor`` (UInt64: for an anchor token itself, for a version token
    the token of its anchor, which decides whether it is sampled). ``frame`` is the
    same in long form, with a ``type`` column (String), the types one after another.
    """

    parts: dict[str, pl.DataFrame]

    @functools.cached_property
    def frame(self) -> pl.DataFrame:
        """The tokens in long form: ``row``, ``type``, ``token``, ``anchor``."""
        if not self.parts:
            return pl.DataFrame(schema=_LONG_SCHEMA)
        # The parts stay separate chunks (concatenating into fresh memory would cost
        # more than the tokens).
        return pl.concat([
            pl.DataFrame([part["row"],
                          pl.Series("type", [t], dtype=pl.String).new_from_index(0, part.height),
                          part["token"], part["anchor"]])
            for t, part in self.parts.items()], how="vertical")


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
    cols = _Columns(norm)
    out = _LongForm()
    for anchor, fields in ANCHORS.items():
        if not set(fields) <= kinds:
            continue
        parts = [cols[f] for f in fields]
        rows = _rows_with_all(parts)
        if rows.size == 0:
            continue
        anchor_tok = cols.tokens(key, anchor, rows, parts)
        out.add(anchor, rows, anchor_tok, anchor_tok)
        if anchor not in VERSION_ANCHORS:
            continue
        keep = _sampled(anchor_tok, keep_anchor_below)
        if keep is not None:
            rows, anchor_tok = _take(rows, keep), _take(anchor_tok, keep)
        for field in VERSION_FIELDS:
            if field in fields or field not in kinds:
                continue
            has = cols[field].valid[rows]
            if not has.any():
                continue
            vtype = version_type(anchor, field)
            vrows = _take(rows, has)
            out.add(vtype, vrows, cols.tokens(key, vtype, vrows, [*parts, cols[field]]),
                    _take(anchor_tok, has))
    return out.tokens()


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
    form = _masked_form(_Columns(frame), anchor)
    return pl.Series(MASK_PATTERNS[anchor][0], form.strings.to_arrow(form.valid),
                     dtype=pl.String)


def _masked_form(cols: _Columns, anchor: str) -> _Column:
    """:func:`masked_form` in kernel form. The shown value is the full value's
    characters (a mobile without ``86``) when it is a full value, else the mask."""
    kind, head, tail = MASK_PATTERNS[anchor]
    height = cols.frame.height
    columns = cols.frame.columns
    if kind not in columns or f"{kind}_masked" not in columns:
        nulls = _Column(Strings.nulls(height), np.zeros(height, dtype=bool))
    full = cols[kind] if kind in columns else nulls
    mask = cols[f"{kind}_masked"] if f"{kind}_masked" in columns else nulls
    form, valid = visible_form(full.strings, full.valid, mask.strings, mask.valid,
                               _MASKED_LENGTH[kind], _FULL_SKIP[kind],
                               _FULL_PREFIX[kind].encode(), head, tail)
    return _Column(form, valid)


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
    cols = _Columns(norm)
    out = _LongForm()
    forms: dict[tuple[str, int, int], _Column] = {}
    for anchor, fields in MASKED_ANCHORS.items():
        kind = MASK_PATTERNS[anchor][0]
        if not set(fields) <= set(norm.columns):
            continue
        if MASK_PATTERNS[anchor] not in forms:  # two anchor types share a pattern
            forms[MASK_PATTERNS[anchor]] = _masked_form(cols, anchor)
        parts = [forms[MASK_PATTERNS[anchor]] if f == kind else cols[f] for f in fields]
        rows = _rows_with_all(parts)
        if rows.size == 0:
            continue
        anchor_tok = cols.tokens(key, anchor, rows, parts)
        out.add(anchor, rows, anchor_tok, anchor_tok)
        keep = _sampled(anchor_tok, keep_anchor_below)
        if keep is not None:
            rows, anchor_tok = _take(rows, keep), _take(anchor_tok, keep)
        for field in MASKED_VERSION_FIELDS:
            if field in fields or field not in norm.columns:
                continue
            has = cols[field].valid[rows]
            if not has.any():
                continue
            vtype = version_type(anchor, field)
            vrows = _take(rows, has)
            out.add(vtype, vrows, cols.tokens(key, vtype, vrows, [*parts, cols[field]]),
                    _take(anchor_tok, has))
    return out.tokens()

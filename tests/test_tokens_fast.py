"""The compiled token path against a straightforward one, value by value.

``record_tokens`` and ``masked_record_tokens`` assemble every message from the
columns' memory (attrib/tokenkernel.py). Here each token is recomputed from the
joined text with the ``cryptography`` CMAC (``token_of``) and the masked forms with
plain Python string slicing, and the long forms must be equal: same rows, order and
dtypes.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrib import tokenkernel
from attrib.tokens import (
    ANCHORS,
    MASK_PATTERNS,
    MASKED_ANCHORS,
    MASKED_VERSION_FIELDS,
    SEP,
    VERSION_ANCHORS,
    VERSION_FIELDS,
    CaseKey,
    cmac64,
    masked_form,
    masked_record_tokens,
    record_tokens,
    token_of,
    tokens_for,
    version_type,
)

KEY = CaseKey(bytes(range(32)), "fast-path")
SCHEMA = {"row": pl.UInt32, "type": pl.String, "token": pl.UInt64, "anchor": pl.UInt64}
KINDS = ["name", "phone", "phone_masked", "national_id", "national_id_masked", "email",
         "birth_date", "address", "plate", "name_status"]
CUT = (2**64 - 1) // 4

# The visible form, as docs/formats.md defines it: lengths in UTF-8 bytes, slices in
# characters (Python's str slicing).
_LENGTH = {"phone": 11, "national_id": 18}
_SKIP = {"phone": 2, "national_id": 0}
_PREFIX = {"phone": "861", "national_id": ""}


def reference_form(frame: pl.DataFrame, anchor: str) -> list[str | None]:
    kind, head, tail = MASK_PATTERNS[anchor]
    length = _LENGTH[kind]
    full = frame[kind].to_list() if kind in frame.columns else [None] * frame.height
    masked = (frame[f"{kind}_masked"].to_list() if f"{kind}_masked" in frame.columns
              else [None] * frame.height)
    out: list[str | None] = []
    for f, m in zip(full, masked, strict=True):
        shown = m
        if (f is not None and len(f.encode()) == length + _SKIP[kind]
                and f.startswith(_PREFIX[kind])):
            shown = f[_SKIP[kind]:]
        if shown is None or len(shown.encode()) != length:
            out.append(None)
            continue
        first, last = shown[:head], shown[length - tail:]
        out.append(None if "*" in first + last
                   else first + "*" * (length - head - tail) + last)
    return out


def _long_form(rows: list[tuple[int, str, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def _tokens(key: CaseKey, anchors: dict[str, list[list[str | None]]], version_fields,
            versioned, extra: dict[str, list[str | None]], cut: int | None) -> pl.DataFrame:
    """Long form from per-anchor field values: anchor tokens over every row where all
    parts are present, then version tokens of the sampled ones."""
    out: list[tuple[int, str, int, int]] = []
    for anchor, (fields, parts) in anchors.items():
        kept = []
        for row, values in enumerate(zip(*parts, strict=True)):
            if any(v is None for v in values):
                continue
            value = SEP.join(values)
            tok = token_of(key, anchor, value)
            out.append((row, anchor, tok, tok))
            if cut is None or tok <= cut:
                kept.append((row, value, tok))
        if anchor not in versioned:
            continue
        for field in version_fields:
            if field in fields or field not in extra:
                continue
            vtype = version_type(anchor, field)
            out += [(row, vtype, token_of(key, vtype, value + SEP + extra[field][row]), tok)
                    for row, value, tok in kept if extra[field][row] is not None]
    return _long_form(out)


def reference_record_tokens(frame: pl.DataFrame, key: CaseKey, cut: int | None) -> pl.DataFrame:
    cols = {c: frame[c].to_list() for c in frame.columns}
    anchors = {a: (fields, [cols[f] for f in fields]) for a, fields in ANCHORS.items()
               if set(fields) <= set(cols)}
    return _tokens(key, anchors, VERSION_FIELDS, VERSION_ANCHORS, cols, cut)


def reference_masked_tokens(frame: pl.DataFrame, key: CaseKey,
                            cut: int | None) -> pl.DataFrame:
    cols = {c: frame[c].to_list() for c in frame.columns}
    anchors = {}
    for anchor, fields in MASKED_ANCHORS.items():
        if not set(fields) <= set(cols):
            continue
        kind = MASK_PATTERNS[anchor][0]
        form = reference_form(frame, anchor)
        anchors[anchor] = (fields, [form if f == kind else cols[f] for f in fields])
    return _tokens(key, anchors, MASKED_VERSION_FIELDS, MASKED_ANCHORS, cols, cut)


def check(frame: pl.DataFrame, cut: int | None = CUT) -> None:
    for fast, slow in ((record_tokens, reference_record_tokens),
                       (masked_record_tokens, reference_masked_tokens)):
        got = fast(frame, KEY, keep_anchor_below=cut).frame
        want = slow(frame, KEY, cut)
        assert got.schema == want.schema
        assert got.equals(want), (fast.__name__, got, want)
    for anchor in MASK_PATTERNS:
        form = masked_form(frame, anchor)
        assert form.dtype == pl.String and form.name == MASK_PATTERNS[anchor][0]
        assert form.to_list() == reference_form(frame, anchor)


# Characters of every UTF-8 width, the separator and the mask character.
_CHARS = st.sampled_from(list("0123456789X*ab-@. ") + ["张", "伟", "é", "😀", SEP])
_TEXT = st.text(_CHARS, max_size=40) | st.text(_CHARS, min_size=60, max_size=90)
_DIGITS = st.text(st.sampled_from("0123456789*"), min_size=11, max_size=11)
_PHONE = _DIGITS.map(lambda d: "86" + d) | st.from_regex(r"861[0-9]{10}", fullmatch=True)
_ID = st.text(st.sampled_from("0123456789X*张"), min_size=16, max_size=18)


def _values(kind: str) -> st.SearchStrategy[str | None]:
    special = {"phone": _PHONE | _DIGITS, "phone_masked": _DIGITS | _PHONE,
               "national_id": _ID, "national_id_masked": _ID}.get(kind, st.nothing())
    return st.none() | st.just("") | _TEXT | special


@st.composite
def frames(draw) -> pl.DataFrame:
    kinds = draw(st.lists(st.sampled_from(KINDS), unique=True, max_size=len(KINDS)))
    height = draw(st.integers(0, 8))
    return pl.DataFrame({k: pl.Series(draw(st.lists(_values(k), min_size=height,
                                                    max_size=height)), dtype=pl.String)
                         for k in kinds})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames(), cut=st.sampled_from([None, CUT, 0, 2**64 - 1]))
def test_fast_path_matches_reference(frame, cut):
    check(frame, cut)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(_TEXT, max_size=30))
def test_cmac64_matches_reference(values):
    got = tokens_for(KEY, "phone", pl.Series(values, dtype=pl.String))
    assert [int(x) for x in got] == [token_of(KEY, "phone", v) for v in values]


@pytest.mark.parametrize("size", [0, 1, 11, 12, 13, 15, 16, 17, 31, 32, 33, 48, 100])
def test_block_boundaries(size):
    """Complete last blocks (subkey K1) and padded ones (K2), inline and buffer views."""
    ascii_value = "7" * size
    wide = ("张" * size)[: max(0, size // 3)] + "x" * (size - 3 * (size // 3))
    assert len(wide.encode()) == size
    frame = pl.DataFrame({"name": [ascii_value, wide, ascii_value],
                          "birth_date": [ascii_value, "", wide],
                          "email": [wide, ascii_value, ""],
                          "address": [ascii_value, wide, None]})
    check(frame, None)


def test_multibyte_characters_across_block_boundaries():
    frame = pl.DataFrame({"name": ["a" * 14 + "张伟", "😀" * 5, "é" * 9],
                          "plate": ["京A12345", "b" * 15 + "😀", "\x1f" * 16],
                          "address": ["北京市朝阳区建国路88号" * 3, "", "x"]})
    check(frame, None)


def test_masked_forms_of_every_source():
    frame = pl.DataFrame({
        "name": ["张伟"] * 9,
        "birth_date": ["1990-01-02"] * 9,
        "address": ["北京市朝阳区建国路88号"] * 8 + [None],
        "phone": ["8613812345678", None, "861088886666", "8613*12345678", "86张12345678",
                  "8613812345678x", None, "8623812345678", "8613812345678"],
        "phone_masked": [None, "138****5678", None, "138****5678", "1*8****5678",
                         None, "张***5678", "138****5678", "139****0000"],
        "national_id": ["11010519491231002X", None, "1101051949123100", "110105张491231002X",
                        None, "*1010519491231002X", "11010519491231002X", None, None],
        "national_id_masked": [None, "110105********002X", None, "1101**********002X",
                               "110***********002X", "110105********002X", None,
                               "11010519491231002*", "110105********002X"],
    })
    check(frame, None)
    check(frame, 0)


def test_frames_without_rows_columns_or_values():
    check(pl.DataFrame(schema=dict.fromkeys(KINDS, pl.String)))
    check(pl.DataFrame())
    check(pl.DataFrame({k: pl.Series([None] * 3, dtype=pl.String) for k in KINDS}))
    check(pl.DataFrame({"phone": ["8613812345678"]}))
    check(pl.DataFrame({"address": ["x"], "phone_masked": ["138****5678"]}))


def test_sliced_and_chunked_frames():
    base = pl.DataFrame({"name": [f"名{i}" for i in range(40)],
                         "phone": [f"86138{i:08d}" if i % 3 else None for i in range(40)],
                         "phone_masked": ["138****" + f"{i:04d}" for i in range(40)],
                         "address": ["路" * (i % 20) for i in range(40)]})
    check(base.slice(7, 20), None)
    chunked = pl.concat([base.slice(0, 5), base.slice(30, 10), base.slice(11, 3)],
                        rechunk=False)
    assert chunked["name"].n_chunks() > 1
    check(chunked, None)


def test_non_string_columns_hash_as_their_text():
    frame = pl.DataFrame({"phone": [8613812345678, None, 5], "name": [1.5, 2.0, None],
                          "birth_date": [True, False, True], "address": ["a", "b", "c"]})
    text = frame.with_columns(pl.all().cast(pl.String))
    for fn in (record_tokens, masked_record_tokens):
        assert fn(frame, KEY).frame.equals(fn(text, KEY).frame)


@pytest.mark.parametrize("bound", [-1, 0, 2**63, 2**64 - 1, 2**64, 2**70, 1.5e18, True])
def test_sampling_bounds_keep_what_the_polars_comparison_keeps(bound):
    frame = pl.DataFrame({"phone": [f"86138{i:08d}" for i in range(64)],
                          "address": [f"addr {i}" for i in range(64)]})
    got = record_tokens(frame, KEY, keep_anchor_below=bound).frame
    anchors = got.filter(pl.col("type") == "phone")
    kept = anchors.filter(pl.col("anchor") <= bound)["row"]
    assert got.filter(pl.col("type") == "phone>address")["row"].equals(kept)


def test_an_anchor_equal_to_the_bound_is_kept():
    frame = pl.DataFrame({"phone": [f"86138{i:08d}" for i in range(16)],
                          "address": [f"addr {i}" for i in range(16)]})
    anchors = record_tokens(frame, KEY).frame.filter(pl.col("type") == "phone")
    bound = int(anchors["anchor"].sort()[7])
    versions = record_tokens(frame, KEY, keep_anchor_below=bound).frame.filter(
        pl.col("type") == "phone>address")
    assert versions.height == 8 and versions["anchor"].max() == bound
    check(frame, bound)


def test_batches_of_every_size(monkeypatch):
    """Messages of mixed block counts spread over several batches."""
    frame = pl.DataFrame({"name": ["a" * (i % 40) for i in range(50)],
                          "phone": [f"86138{i:08d}" for i in range(50)],
                          "birth_date": ["张" * (i % 7) for i in range(50)],
                          "address": [None if i % 5 == 0 else "路" * (i % 23)
                                      for i in range(50)]})
    want = {fn: fn(frame, KEY).frame for fn in (record_tokens, masked_record_tokens)}
    for batch in (1, 3, 16):
        monkeypatch.setattr(tokenkernel, "BATCH", batch)
        for fn, expected in want.items():
            assert fn(frame, KEY).frame.equals(expected)
    check(frame, None)


def test_cmac64_inputs_of_every_arrow_kind():
    values = ["", "a", "0123456789abcdef", "张" * 7, "x" * 40]
    want = [token_of(KEY, "email", v) for v in values]
    sub = KEY.subkey("email")
    for arr in (pa.array(values, type=pa.string()), pa.array(values, type=pa.large_string()),
                pa.array(values, type=pa.string_view()), pa.array(values).slice(0),
                pa.chunked_array([values[:2], values[2:]])):
        assert [int(x) for x in cmac64(sub, arr)] == want
    assert [int(x) for x in cmac64(sub, iter(values))] == want
    assert [int(x) for x in cmac64(sub, pa.array(["x"] + values).slice(1))] == want
    with pytest.raises(ValueError, match="null"):
        cmac64(sub, pa.array(["a", None]))


def test_values_ending_their_buffer_are_read_byte_by_byte():
    """A view's data buffer with no bytes to spare: the 16-byte moves must stop short."""
    values = [b"y" * 13, b"z" * 30, b"0123456789abcdef0"]
    data = b"".join(values)
    views = np.zeros(4 * len(values), dtype=np.uint32)
    offset = 0
    for i, v in enumerate(values):
        views[4 * i] = len(v)
        views.view(np.uint8)[16 * i + 4 : 16 * i + 8] = np.frombuffer(v[:4], dtype=np.uint8)
        views[4 * i + 3] = offset
        offset += len(v)
    arr = pa.Array.from_buffers(pa.binary_view(), len(values),
                                [None, pa.py_buffer(views), pa.py_buffer(data)])
    sub = KEY.subkey("plate")
    assert [int(x) for x in cmac64(sub, arr)] == [token_of(KEY, "plate", v.decode())
                                                  for v in values]

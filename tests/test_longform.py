"""Splitting a list's long-form tokens by type, and the sketch counts built on it."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.longform import split_by_type, tokens_of
from attrib.masked import _row_join
from attrib.sketch.core import SketchParams, sketch_tokens
from attrib.tokens import MASKED_COMPANIONS, CaseKey, masked_record_tokens, record_tokens

KEY = CaseKey(b"\x07" * 32, "case-longform")
PARAMS = SketchParams(scale=2, num_perm=16, seed=1, key_id=KEY.key_id)


def _frame(types: list[str]) -> pl.DataFrame:
    n = len(types)
    return pl.DataFrame({"row": pl.Series(range(n), dtype=pl.UInt32), "type": types,
                         "token": pl.Series(range(100, 100 + n), dtype=pl.UInt64),
                         "anchor": pl.Series(range(100, 100 + n), dtype=pl.UInt64)})


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["phone", "email", "national_id", "phone>name"]),
                max_size=30))
def test_split_equals_filtering_by_type(types: list[str]) -> None:
    # Contiguous or not, each part holds exactly that type's rows, in their order.
    frame = _frame(types)
    parts = split_by_type(frame)
    assert set(parts) == set(types)
    for t, part in parts.items():
        assert part.equals(frame.filter(pl.col("type") == t))


def test_split_of_runs_is_slices_in_order() -> None:
    frame = _frame(["phone"] * 3 + ["email"] * 2 + ["phone>name"])
    parts = split_by_type(frame)
    assert list(parts) == ["phone", "email", "phone>name"]
    assert parts["email"]["token"].to_list() == [103, 104]
    assert split_by_type(frame.head(0)) == {}


def test_tokens_of_an_absent_type_is_empty_uint64() -> None:
    s = tokens_of(split_by_type(_frame(["phone"])), "email")
    assert s.dtype == pl.UInt64 and s.len() == 0


def _norm() -> pl.DataFrame:
    return pl.DataFrame({
        "name": ["张伟", "李娜", None, "王芳"],
        "phone": ["8613800138000", None, "8613912345678", "8613800138000"],
        "phone_masked": [None, "138****5678", None, None],
        "national_id": ["11010519491231002X", None, None, "110105194912310037"],
        "national_id_masked": [None, None, None, None],
        "birth_date": ["19491231", "19800101", None, "19491231"],
        "address": ["北京市朝阳区建国路1号", None, "上海市徐汇区漕溪路2号", None],
    }, schema=dict.fromkeys(["name", "phone", "phone_masked", "national_id",
                             "national_id_masked", "birth_date", "address"], pl.String))


def test_sketch_counts_and_pairs_match_the_plain_definitions() -> None:
    norm = _norm()
    full = record_tokens(norm, KEY).frame
    masked = masked_record_tokens(norm, KEY).frame
    sk = sketch_tokens(full, masked, PARAMS, kind="source", columns=norm.columns,
                       rows=norm.height, meta={}, exact=True)
    anchors = full.filter(pl.col("type").is_in(["national_id", "phone", "email", "plate",
                                                "name_dob", "name_phone"]))
    assert sk.counts["rows_with_anchor"] == anchors["row"].n_unique()
    for (t,), part in anchors.partition_by("type", as_dict=True).items():
        assert sk.counts[f"anchor:{t}"] == part.height
    both = pl.concat([full, masked])
    for t in both["type"].unique():
        tokens = both.filter(pl.col("type") == t)
        assert sk.exact[t].tolist() == sorted(set(tokens["token"].to_list()))
        kept = tokens.filter(pl.col("anchor") <= PARAMS.max_hash)["token"].to_list()
        assert sk.sampled.get(t, []).tolist() == sorted(set(kept)) if kept else t not in sk.sampled
    # Pairs: the plain join of each sampled masked token with its record's companion.
    for mtype, companion in MASKED_COMPANIONS.items():
        m = both.filter((pl.col("type") == mtype) & (pl.col("token") <= PARAMS.max_hash))
        if m.height == 0:
            assert mtype not in sk.masked_pairs
            continue
        c = both.filter(pl.col("type") == companion).select("row", pl.col("token").alias("c"))
        plain = sorted(set(m.join(c, on="row").select("token", "c").iter_rows()))
        assert [tuple(p) for p in sk.masked_pairs[mtype].tolist()] == plain


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 5)), max_size=12),
       st.lists(st.tuples(st.integers(0, 8), st.integers(0, 5)), max_size=12))
def test_row_join_equals_an_inner_join(left: list[tuple[int, int]],
                                       right: list[tuple[int, int]]) -> None:
    # Every match, duplicated rows and an unsorted right side included.
    lr = np.array([r for r, _ in left], dtype=np.uint32)
    lv = np.array([v for _, v in left], dtype=np.uint64)
    rr = np.array([r for r, _ in right], dtype=np.uint32)
    rv = np.array([v for _, v in right], dtype=np.uint64)
    got = sorted(map(tuple, _row_join(lr, lv, rr, rv).tolist()))
    want = sorted((a, b) for ra, a in left for rb, b in right if ra == rb)
    assert got == want


def test_rows_with_anchor_counts_distinct_rows_of_a_subset() -> None:
    # Token frames cut from a larger frame keep their row numbers (benchmarks do this).
    norm = _norm()
    full = record_tokens(norm, KEY).frame.filter(pl.col("row") >= 2)
    sk = sketch_tokens(full, full.head(0), PARAMS, kind="source", columns=norm.columns,
                       rows=2, meta={}, exact=False)
    assert sk.counts["rows_with_anchor"] == full["row"].n_unique() == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.integers(0, 5)), max_size=12),
       st.dictionaries(st.integers(0, 8), st.integers(0, 5), max_size=9))
def test_row_join_with_one_companion_per_row(left: list[tuple[int, int]],
                                             right: dict[int, int]) -> None:
    # The companion side as record_tokens emits it: each row at most once, in order.
    rows = sorted(right)
    got = _row_join(np.array([r for r, _ in left], dtype=np.uint32),
                    np.array([v for _, v in left], dtype=np.uint64),
                    np.array(rows, dtype=np.uint32),
                    np.array([right[r] for r in rows], dtype=np.uint64))
    assert got.tolist() == [[a, right[r]] for r, a in left if r in right]


def test_rows_with_anchor_when_a_type_covers_every_row() -> None:
    from attrib.sketch.core import _rows_covered

    def part(rows: list[int]) -> pl.DataFrame:
        return pl.DataFrame({"row": pl.Series(rows, dtype=pl.UInt32)})

    assert _rows_covered([part([0, 2]), part([0, 1, 2, 3])], 4) == 4
    assert _rows_covered([part([3, 2, 1, 0])], 4) == 4  # not in order: marked one by one
    assert _rows_covered([part([0, 0, 1, 3])], 4) == 3  # a repeated row
    assert _rows_covered([part([0, 2])], 4) == 2

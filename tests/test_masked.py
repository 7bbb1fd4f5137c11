"""Masked identifiers: tokens from what is visible, chance collisions, weak evidence."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from attrib.attribution import Settings, attribute
from attrib.attribution.stats import membership_loglik
from attrib.masked import (
    DEFAULT_COLLISION,
    collision_pairs,
    collision_rate,
    weak_membership_loglik,
)
from attrib.sketch import SketchParams, build_sketch, from_bytes, merge_sketches, to_bytes
from attrib.tokens import CaseKey, masked_form, masked_record_tokens, token_of

GOLDEN_KEY = CaseKey(bytes(range(32)), "golden-case")
KEY = CaseKey(bytes(range(32)), "masked-test")
POP = 8000

# New token types are pinned like the old ones (docs/formats.md).
GOLDEN = [
    ("masked_phone_name", "张伟\x1f138****5678", "f8cf15bf707a30ab"),
    ("masked_id_name", "张伟\x1f110105********002X", "f2877525b48c3523"),
    ("masked_phone_name>address", "张伟\x1f138****5678\x1f北京市朝阳区建国路88号",
     "af851c103b80d7e3"),
]


@pytest.mark.parametrize(("ttype", "value", "expected"), GOLDEN)
def test_masked_golden_vectors(ttype, value, expected):
    assert format(token_of(GOLDEN_KEY, ttype, value), "016x") == expected


def test_masked_form_from_full_and_masked_values():
    frame = pl.DataFrame({
        "phone": ["8613812345678", None, None, None, "861088886666"],
        "phone_masked": [None, "138****5678", "1381***5678", "1**12345678", None],
        "national_id": ["11010519491231002X", None, None, None, None],
        "national_id_masked": [None, "110105********002X", "1101**********002X", None, None],
    })
    got = pl.DataFrame([masked_form(frame, "masked_phone_name").alias("p"),
                        masked_form(frame, "masked_id_name").alias("i6"),
                        masked_form(frame, "masked_id3_name").alias("i3")])
    # Landlines and masks that hide a pattern's characters give no masked form.
    assert got["p"].to_list() == ["138****5678", "138****5678", "138****5678", None, None]
    assert got["i6"].to_list() == ["110105********002X", "110105********002X", None, None, None]
    assert got["i3"].to_list()[:3] == ["110***********002X"] * 3


def test_leak_mask_and_source_value_give_the_same_token():
    source = pl.DataFrame({"name": ["张伟"], "phone": ["8613812345678"],
                           "address": ["北京市朝阳区建国路88号"]})
    leak = pl.DataFrame({"name": ["张伟"], "phone": [None], "phone_masked": ["138****5678"],
                         "address": ["北京市朝阳区建国路88号"]},
                        schema_overrides={"phone": pl.String})
    a = masked_record_tokens(source, GOLDEN_KEY).frame
    b = masked_record_tokens(leak, GOLDEN_KEY).frame
    assert a.sort("type").equals(b.sort("type"))
    tok = a.filter(pl.col("type") == "masked_phone_name")["token"][0]
    assert format(tok, "016x") == "f8cf15bf707a30ab"


def test_collision_rate_counts_pairs_inside_the_source():
    # 1000 masked values, 10 of them shared by two persons: 10 colliding pairs in 1010.
    masked = np.concatenate([np.arange(1000), np.arange(10)]).astype(np.uint64)
    pairs = np.stack([masked, np.arange(1010, dtype=np.uint64) + 5000], axis=1)
    rate = collision_rate("masked_phone_name", pairs, fraction=1.0)
    assert rate.pairs == 10 and rate.persons == 1010
    assert rate.estimate == pytest.approx(2 * 10 / 1010**2)
    assert rate.rate == rate.estimate  # collisions seen: the data decide
    assert rate.multiplier(10**6) == pytest.approx(1 + (10**6 - 1) * rate.estimate)


def test_collision_rate_without_collisions_is_bounded_by_default():
    pairs = np.stack([np.arange(100, dtype=np.uint64)] * 2, axis=1)
    small = collision_rate("masked_phone_name", pairs, fraction=1.0)
    assert small.pairs == 0 and small.rate == DEFAULT_COLLISION["masked_phone_name"]
    big = np.stack([np.arange(10**6, dtype=np.uint64)] * 2, axis=1)
    bounded = collision_rate("masked_phone_name", big, fraction=1.0)
    assert bounded.rate == bounded.upper < DEFAULT_COLLISION["masked_phone_name"]
    assert collision_rate("masked_phone_name", None, 0.01).rate == DEFAULT_COLLISION[
        "masked_phone_name"]


def test_weak_loglik_with_k_one_is_the_full_loglik():
    for n, m in ((100, 100), (100, 70), (50, 0)):
        ll, eps = membership_loglik(n, m, 1000.0, 1e6)
        wll, weps = weak_membership_loglik(n, m - m // 2, np.ones(m // 2), 1000.0, 1e6)
        assert wll == pytest.approx(ll, rel=1e-6)
        assert weps == pytest.approx(eps, rel=1e-3, abs=1e-8)


def test_weak_matches_weigh_less():
    full, _ = weak_membership_loglik(100, 100, np.zeros(0), 1000.0, 1e6)
    weak, _ = weak_membership_loglik(100, 0, np.full(100, 50.0), 1000.0, 1e6)
    assert weak == pytest.approx(full - 100 * math.log(50.0), rel=1e-6)


# ---------------------------------------------------------------------------
# The engine on a small world with names


def params(scale=4):
    return SketchParams(scale=scale, num_perm=64, seed=1, key_id=KEY.key_id)


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(5)
    surnames, given = "王李张刘陈杨赵黄周吴", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
    names = [surnames[i] + given[j] + given[k] for i, j, k in
             zip(rng.integers(0, 10, POP), rng.integers(0, 20, POP), rng.integers(0, 20, POP),
                 strict=True)]
    phones = 8613000000000 + rng.choice(6 * 10**9, POP, replace=False)
    pop = pl.DataFrame({"pid": np.arange(POP), "name": names,
                        "phone": [str(p) for p in phones],
                        "address": [f"北京市朝阳区路{i}号" for i in range(POP)]})
    a = rng.choice(POP, 2000, replace=False)
    rest = np.setdiff1d(np.arange(POP), a)
    b = np.concatenate([a[:1400], rng.choice(rest, 600, replace=False)])
    z = np.concatenate([a[500:1900], rng.choice(rest, 600, replace=False)])

    def copy(members, seed):
        r = np.random.default_rng(seed)
        df = pop.filter(pl.col("pid").is_in(members))
        stale = pl.Series(r.random(df.height) < 0.4)
        return df.with_columns(pl.when(stale).then(pl.col("address") + f"-v{seed}")
                               .otherwise(pl.col("address")).alias("address"))

    copies = {"A": copy(a, 11), "B": copy(b, 12), "Z": copy(z, 14)}
    sources = [source_sketch(copies[o], o) for o in ("A", "B")]
    return copies, sources


def source_sketch(frame, org, exact=True):
    meta = {"kinds": ["name", "phone", "address"], "org": org, "snapshot": "2024-06-30"}
    return build_sketch(frame.drop("pid"), KEY, params(), kind="source", meta=meta, exact=exact)


def masked_leak(frame, n, seed, masked_share=1.0):
    """A leak of name, phone and address with a share of the phones masked."""
    df = frame.sample(n=n, seed=seed).drop("pid")
    hide = pl.Series(np.random.default_rng(seed).random(n) < masked_share)
    local = pl.col("phone").str.slice(2)
    df = df.with_columns(
        pl.when(hide).then(local.str.slice(0, 3) + "****" + local.str.slice(7))
        .alias("phone_masked"),
        pl.when(hide).then(None).otherwise(pl.col("phone")).alias("phone"))
    meta = {"kinds": ["name", "phone", "address"]}
    return build_sketch(df, KEY, params(), kind="leak", meta=meta, exact=True,
                        keep_records=True)


def test_all_masked_leak_is_attributed(world):
    copies, sources = world
    res = attribute(masked_leak(copies["A"], 500, 1), sources, POP)
    assert res.verdict.status == "attributed" and res.verdict.org == "A"
    top = res.candidates[0]
    assert top.org == "A" and top.containment == 1.0
    assert top.masked_records == 500 and top.field_checks > 0
    off = attribute(masked_leak(copies["A"], 500, 1), sources, POP,
                    Settings(masked_evidence=False))
    assert off.verdict.status == "inconclusive" and off.observed_records == 0


def test_all_masked_leak_from_outside_is_not_attributed(world):
    copies, sources = world
    res = attribute(masked_leak(copies["Z"], 500, 2), sources, POP)
    assert res.verdict.status == "inconclusive"


def test_all_masked_leak_sampled_tier(world):
    copies, sources = world
    res = attribute(masked_leak(copies["A"], 1500, 3), sources, POP, Settings(exact_below=0))
    assert res.tier == "sampled" and 0 < res.observed_records < 1500
    assert res.verdict.org == "A"


def test_full_identifier_leak_unchanged_by_masked_evidence(world):
    copies, sources = world
    leak = masked_leak(copies["A"], 400, 4, masked_share=0.0)
    on, off = (attribute(leak, sources, POP, Settings(masked_evidence=flag)).to_dict()
               for flag in (True, False))
    for d in (on, off):
        d.pop("settings")
    assert on == off


def test_partly_masked_leak_counts_masked_rows(world):
    copies, sources = world
    res = attribute(masked_leak(copies["A"], 400, 5, masked_share=0.3), sources, POP)
    top = res.candidates[0]
    assert res.verdict.org == "A" and top.matched_records == 400
    assert 0 < top.masked_records < 400


def test_sources_without_masked_anchors_are_not_held_against(world):
    copies, sources = world
    old = [s.__class__(**{**s.__dict__, "counts": {k: v for k, v in s.counts.items()
                                                   if not k.startswith("masked:")}})
           for s in sources]
    res = attribute(masked_leak(copies["A"], 300, 6), old, POP)
    assert all(c.checkable_records == 0 for c in res.candidates)


def test_masked_pairs_round_trip_and_merge(world):
    copies, _ = world
    frame = copies["A"].drop("pid")
    meta = {"kinds": ["name", "phone", "address"], "org": "A", "snapshot": "2024-06-30"}
    whole = build_sketch(frame, KEY, params(), kind="source", meta=meta, exact=False)
    parts = [build_sketch(frame[i:i + 700], KEY, params(), kind="source", meta=meta,
                          exact=False) for i in range(0, frame.height, 700)]
    merged = merge_sketches(parts)
    back = from_bytes(to_bytes(whole))
    assert whole.masked_pairs and set(whole.masked_pairs) == {"masked_phone_name"}
    for t, arr in whole.masked_pairs.items():
        assert np.array_equal(merged.masked_pairs[t], arr)
        assert np.array_equal(back.masked_pairs[t], arr)
    assert back.counts["masked:masked_phone_name"] == frame.height
    assert whole.has_masked("masked_phone_name") and not whole.has_masked("masked_id_name")


def test_collision_pairs_sample_only_sampled_masked_tokens():
    frame = pl.DataFrame({"name": ["张伟"] * 50, "phone": [f"86138{i:04d}5678" for i in
                                                          range(50)]})
    from attrib.tokens import record_tokens

    rt = pl.concat([record_tokens(frame, KEY).frame, masked_record_tokens(frame, KEY).frame])
    pairs = collision_pairs(rt, None)["masked_phone_name"]
    # Fifty phones, one masked value: every pair of them collides.
    assert pairs.shape == (50, 2) and np.unique(pairs[:, 0]).size == 1
    assert collision_rate("masked_phone_name", pairs, 1.0).pairs == 50 * 49 // 2

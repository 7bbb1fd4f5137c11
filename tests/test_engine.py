"""The attribution engine on small canonical worlds (no file reading involved)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib.attribution import Settings, attribute, engine
from attrib.sketch import SketchParams, build_sketch, from_bytes, to_bytes
from attrib.tokens import CaseKey

KEY = CaseKey(bytes(range(32)), "engine-test")
POP = 20000


def params(scale=4):
    return SketchParams(scale=scale, num_perm=64, seed=1, key_id=KEY.key_id)


def persons(n=POP, seed=0):
    rng = np.random.default_rng(seed)
    ids = np.arange(n)
    return pl.DataFrame({
        "pid": ids,
        "phone": [f"8613{x:09d}" for x in rng.permutation(n)],
        "national_id": [f"ID{x:016d}" for x in ids],
        "address": [f"addr-{x}" for x in ids],
    })


def org_copy(pop, members, seed, stale=0.4):
    """An organisation's copy: a share of addresses is another (org-specific) version."""
    rng = np.random.default_rng(seed)
    df = pop.filter(pl.col("pid").is_in(members))
    changed = rng.random(df.height) < stale
    return df.with_columns(
        pl.when(pl.Series(changed)).then(pl.col("address") + f"-v{seed}")
        .otherwise(pl.col("address")).alias("address"))


def sketch(frame, kind, org=None, snap=None, exact=True, scale=4):
    meta = {"kinds": ["phone", "national_id", "address"], "org": org, "snapshot": snap}
    return build_sketch(frame.drop("pid"), KEY, params(scale), kind=kind, meta=meta,
                        exact=exact, keep_records=(kind == "leak"))


@pytest.fixture(scope="module")
def world():
    pop = persons()
    rng = np.random.default_rng(1)
    a = rng.choice(POP, 4000, replace=False)
    # B overlaps A by 70%.
    b = np.concatenate([a[:2800], rng.choice(np.setdiff1d(np.arange(POP), a), 1200, False)])
    dealer = a[:300]  # nested in A (and mostly in B)
    z = np.concatenate([a[1000:3800], rng.choice(np.setdiff1d(np.arange(POP), a), 1200, False)])
    copies = {"A": org_copy(pop, a, 11), "B": org_copy(pop, b, 12),
              "dealer": org_copy(pop, dealer, 13), "Z": org_copy(pop, z, 14)}
    sources = [sketch(copies[o], "source", o, "2024-06-30") for o in ("A", "B", "dealer")]
    return pop, copies, sources


def leak_from(frame, n, seed):
    return frame.sample(n=n, seed=seed)


def test_plain_leak_attributed_to_source(world):
    _, copies, sources = world
    res = attribute(sketch(leak_from(copies["A"], 800, 1), "leak"), sources, POP)
    assert res.verdict.status == "attributed"
    assert res.verdict.org == "A"
    assert res.verdict.confidence > 0.99
    assert res.tier == "exact"
    top = res.candidates[0]
    assert top.org == "A" and top.containment == 1.0


def test_size_principle_nested_dealer(world):
    _, copies, sources = world
    res = attribute(sketch(leak_from(copies["dealer"], 200, 2), "leak"), sources, POP)
    assert res.verdict.status == "attributed"
    assert res.verdict.org == "dealer"


def test_big_org_sample_not_given_to_nested_dealer(world):
    _, copies, sources = world
    res = attribute(sketch(leak_from(copies["A"], 1500, 3), "leak"), sources, POP)
    assert res.verdict.org == "A"


def test_absent_source_is_inconclusive(world):
    _, copies, sources = world
    res = attribute(sketch(leak_from(copies["Z"], 800, 4), "leak"), sources, POP)
    assert res.verdict.status == "inconclusive"
    assert res.verdict.org is None
    assert res.outside_probability > 0.5


def test_padded_leak_still_attributed(world):
    pop, copies, sources = world
    leak = pl.concat([leak_from(copies["B"], 700, 5), pop.sample(n=300, seed=6)])
    res = attribute(sketch(leak, "leak"), sources, POP)
    assert res.verdict.status == "attributed"
    assert res.verdict.org == "B"
    assert 0.15 < res.unexplained_fraction < 0.4
    # The reason says how much of the list the source explains, and that the rest is not.
    share = res.components[0].fraction
    assert res.verdict.reason == (
        f"B explains an estimated {share:.0%} of the list's records; the other "
        f"{1 - share:.0%} are not explained by B (padding, or records from another "
        "source, in the case or not)")


def test_plain_leak_reason_claims_the_whole_list(world):
    _, copies, sources = world
    res = attribute(sketch(leak_from(copies["A"], 800, 1), "leak"), sources, POP)
    assert res.verdict.reason == "A explains an estimated 100% of the list's records"


def test_mixture_components(world):
    _, copies, sources = world
    leak = pl.concat([leak_from(copies["A"], 500, 7), leak_from(copies["B"], 500, 8)]).unique(
        "pid")
    res = attribute(sketch(leak, "leak"), sources, POP)
    assert res.verdict.status == "mixture"
    shares = {c.org: c.fraction for c in res.components}
    assert set(shares) == {"A", "B"}
    assert abs(shares["A"] - 0.5) < 0.1 and abs(shares["B"] - 0.5) < 0.1


def test_sampled_tier_interval_covers(world):
    _, copies, _ = world
    sources = [sketch(copies[o], "source", o, "2024-06-30", exact=False)
               for o in ("A", "B", "dealer")]
    res = attribute(sketch(leak_from(copies["A"], 2000, 9), "leak"), sources, POP,
                    Settings(exact_below=10))
    assert res.tier == "sampled"
    b = next(c for c in res.candidates if c.org == "B")
    lo, hi = b.containment_ci
    assert lo < b.containment < hi
    assert lo <= 0.7 <= hi + 0.05
    assert res.verdict.org == "A"


def test_sketch_file_round_trip(world):
    _, copies, sources = world
    leak = sketch(leak_from(copies["A"], 100, 10), "leak")
    for sk in (sources[0], leak):
        data = to_bytes(sk)
        back = from_bytes(data)
        assert to_bytes(back) == data
        assert back.meta == sk.meta and back.counts == sk.counts


@given(st.integers(0, 200), st.integers(0, 70), st.integers(0, 2**32 - 1))
@settings(max_examples=60, deadline=None)
def test_patterns_equal_numpy_unique_rows(n, k, seed):
    rows = np.random.default_rng(seed).random((n, k)) < 0.3
    got, counts = engine._patterns(rows)
    want, want_counts = np.unique(rows, axis=0, return_counts=True)
    assert np.array_equal(got, want) and np.array_equal(counts, want_counts)

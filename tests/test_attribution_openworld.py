"""Open-world evidence, nested mixtures and tier-consistent containment (issue #3).

A small canonical world: a licensing authority V holds every car owner; insurers A and
B hold 45% of them each and overlap 70%; an insurer Z, kept out of the case, holds
customers of A and B as an insurer does (more than the authority's whole list); a
telecom T holds a random share of everyone. Lists carry only national IDs, so no field
copy tells organisations apart: what is left is how a list co-occurs with the case's
organisations.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from attrib.attribution import Settings, attribute, engine, stats
from attrib.sketch import SketchParams, build_sketch
from attrib.tokens import CaseKey

KEY = CaseKey(bytes(range(32)), "openworld-test")
POP = 40000


def params(scale=4):
    return SketchParams(scale=scale, num_perm=64, seed=1, key_id=KEY.key_id)


def frame(ids, fields=("national_id", "address"), version=None):
    ids = np.sort(np.asarray(ids))
    cols = {"national_id": [f"ID{x:016d}" for x in ids],
            "address": [f"addr-{x}" + (f"-{version}" if version and x % 3 == 0 else "")
                        for x in ids]}
    return pl.DataFrame({f: cols[f] for f in fields})


def sketch(df, kind, org=None, snap="2024-06-30", exact=True, scale=4):
    meta = {"kinds": list(df.columns), "org": org, "snapshot": snap}
    return build_sketch(df, KEY, params(scale), kind=kind, meta=meta, exact=exact,
                        keep_records=(kind == "leak"))


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(5)
    everyone = np.arange(POP)
    cars = rng.choice(everyone, 12000, replace=False)
    a = rng.choice(cars, 5400, replace=False)
    rest = np.setdiff1d(cars, a)
    b = np.concatenate([rng.choice(a, 3800, replace=False), rng.choice(rest, 1600, False)])
    # Z, like an insurer, holds customers of both A and B more than the authority does.
    ab = np.intersect1d(a, b)
    z = np.concatenate([rng.choice(ab, 1700, replace=False),
                        rng.choice(np.setdiff1d(a, b), 300, replace=False),
                        rng.choice(np.setdiff1d(b, a), 300, replace=False),
                        rng.choice(np.setdiff1d(rest, b), 900, replace=False)])
    t = rng.choice(everyone, 6000, replace=False)
    members = {"V": cars, "A": a, "B": b, "Z": z, "T": t}
    # Each organisation's own copy of the address: every third person's differs.
    copies = {o: frame(ids, version=o) for o, ids in members.items()}
    sources = [sketch(copies[o], "source", o) for o in ("V", "A", "B", "T")]
    return rng, members, copies, sources


def leak_of(ids, rng, n, fields=("national_id",), version=None):
    return frame(rng.choice(ids, n, replace=False), fields, version)


def test_sample_of_authority_is_attributed(world):
    """Wholly inside V and overlapping the insurers only as V's whole list does."""
    rng, members, _, sources = world
    res = attribute(sketch(leak_of(members["V"], rng, 3000), "leak"), sources, POP)
    assert res.verdict.status == "attributed"
    assert res.verdict.org == "V"
    assert res.verdict.confidence >= 0.9


def test_unseen_insurer_inside_authority_is_inconclusive(world):
    """Z's list is (almost) wholly inside V too, but overlaps A as an insurer's does."""
    rng, members, _, sources = world
    res = attribute(sketch(leak_of(members["Z"], rng, 2000), "leak"), sources, POP)
    assert res.verdict.status == "inconclusive"
    assert res.verdict.org is None
    v = next(c for c in res.candidates if c.org == "V")
    assert v.containment > 0.95
    assert v.probability < 0.5


def test_profile_matches_source_and_not_outsider(world):
    rng, members, _, sources = world
    s = Settings()
    v_idx = 0
    out = []
    for who in ("V", "Z"):
        leak = sketch(leak_of(members[who], rng, 2000), "leak")
        recs, _, _ = engine._observed_records(leak, "exact", masked=False)
        prof = engine._profiles(recs, sources, ["V", "A", "B", "T"], exact=True)[v_idx]
        n, m = engine._anchor_containment(recs, sources[v_idx], True)
        assert prof.token_type == "national_id" and prof.m == m
        out.append(engine._containment_log_lr(n, m, prof, s))
    assert out[0] == pytest.approx(s.containment_llr_cap)
    assert out[1] == pytest.approx(-s.containment_llr_cap)


def test_names_side_only_against_a_candidate():
    """A courier garbles names: any list with real names agrees with everyone else."""
    keys = np.arange(10, dtype=np.int64) * 16
    name = keys + engine._FIELD_CODES["name"]
    address = keys + engine._FIELD_CODES["address"]

    def obs(agree_name, agree_addr):
        fk = np.concatenate([name, address])
        hits = np.concatenate([np.full(10, agree_name), np.full(10, agree_addr)])
        return engine._Observation(np.ones(10, bool), np.ones(10, bool),
                                   fk // 16, hits, fk)

    insurer, courier = obs(True, True), obs(False, False)
    sides = engine._sides([insurer, courier], ["insurer", "courier"], Settings())
    # Only the 10 address checks side with the insurer; names still side against the
    # courier.
    assert sides[0] == (10, 0)
    assert sides[1] == (0, 20)


def test_nested_component_found(world):
    """A broker merged a sample of V with one of A: A's customers are over-represented."""
    rng, members, copies, sources = world
    v_part = rng.choice(members["V"], 4000, replace=False)
    a_part = rng.choice(np.setdiff1d(members["A"], v_part), 800, replace=False)
    leak = pl.concat([copies["V"].filter(pl.col("national_id").is_in(
        [f"ID{x:016d}" for x in v_part])), copies["A"].filter(pl.col("national_id").is_in(
            [f"ID{x:016d}" for x in a_part]))])
    res = attribute(sketch(leak, "leak"), sources, POP)
    # Gather takes V first (it explains every record): A is found only as nested.
    assert res.components[0].org == "V"
    shares = {c.org: c.fraction for c in res.components}
    assert set(shares) == {"V", "A"}
    assert shares["A"] == pytest.approx(800 / 4800, abs=0.05)
    assert shares["V"] == pytest.approx(4000 / 4800, abs=0.05)
    # A sample of V alone gets no nested component.
    alone = attribute(sketch(leak_of(members["V"], rng, 4500), "leak"), sources, POP)
    assert [c.org for c in alone.components] == ["V"]


def test_mixture_without_field_copies(world):
    """Two components each explaining a part no other does: a mixture, on IDs alone."""
    rng, members, _, sources = world
    a_part = rng.choice(np.setdiff1d(members["A"], members["T"]), 1500, replace=False)
    t_part = rng.choice(np.setdiff1d(members["T"], members["V"]), 1500, replace=False)
    leak = frame(np.concatenate([a_part, t_part]), ("national_id",))
    res = attribute(sketch(leak, "leak"), sources, POP)
    assert res.verdict.status == "mixture"
    assert {c.org for c in res.components} == {"A", "T"}
    assert all(c.source_in_case >= Settings().component_threshold for c in res.components)


def test_unseen_insurer_with_telecom_names_no_innocent(world):
    """Gather splits Z's part into "A's customers" and "the rest of V"; A's part fails
    its test, so V's residue must not be tested as if A explained those records."""
    rng, members, _, sources = world
    z_part = rng.choice(np.setdiff1d(members["Z"], members["T"]), 2000, replace=False)
    t_part = rng.choice(np.setdiff1d(members["T"], members["V"]), 1000, replace=False)
    leak = frame(np.concatenate([z_part, t_part]), ("national_id",))
    res = attribute(sketch(leak, "leak"), sources, POP)
    assert "V" in {c.org for c in res.components}
    named = ({c.org for c in res.components if c.source_in_case >= 0.99}
             if res.verdict.status == "mixture" else {res.verdict.org} - {None})
    assert named <= {"T"}


def test_neardup_credit_is_per_token():
    """A near-duplicate record lends its similarity to each anchor token it carries."""
    src = sketch(pl.DataFrame({"national_id": ["ID1", "ID2"], "phone": ["8613800000001",
                                                                         "8613800000002"]}),
                 "source", "S")
    leak = sketch(pl.DataFrame({"national_id": ["ID1", "ID9"],
                                "phone": ["8613800000001", "8613800000009"]}), "leak")
    recs, rec_index, _ = engine._observed_records(leak, "exact", masked=False)
    assert engine._anchor_containment(recs, src, True) == (4, 2)
    credit = np.array([0.0, 0.9])  # the second record is a near-duplicate, similarity 0.9
    # Its two tokens (ID and phone) count 0.9 each: 2 + 1.8 of 4.
    assert engine._anchor_containment(recs, src, True, None, credit, rec_index) == (4, 4)
    credit = np.array([0.0, 0.4])
    assert engine._anchor_containment(recs, src, True, None, credit, rec_index) == (4, 3)


def test_sampled_intervals_cover_exact_containment(world):
    """The sampled tier's 95% intervals cover the exact tier's figure about 95% of the time."""
    rng, members, copies, _ = world
    sources = [sketch(copies[o], "source", o, exact=True, scale=20)
               for o in ("V", "A", "B", "T")]
    covered = []
    for i in range(12):
        who = ("A", "B", "T", "Z")[i % 4]
        leak = sketch(leak_of(members[who], rng, 3000, ("national_id", "address"), who),
                      "leak", scale=20)
        exact = attribute(leak, sources, POP, Settings(exact_below=10**9))
        sampled = attribute(leak, sources, POP, Settings(exact_below=0))
        truth = {c.org: c.containment for c in exact.candidates}
        for c in sampled.candidates:
            lo, hi = c.containment_ci
            covered.append(lo <= truth[c.org] <= hi)
    assert 0.85 <= float(np.mean(covered)) <= 1.0


def test_stats_helpers():
    assert stats.chi2_sf(0.0, 1) == 1.0
    assert stats.chi2_sf(3.841458820694124, 1) == pytest.approx(0.05)
    assert stats.beta_logpdf(0.5, 2, 3) == pytest.approx(np.log(stats.beta_pdf(0.5, 2, 3)))
    assert stats.beta_logpdf(1.0, 2, 3) == -np.inf

"""Near-duplicate records: keyed shingles, MinHash signatures, LSH candidates, evidence."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from datasketch import MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from attrib import neardup
from attrib.attribution import Settings, attribute
from attrib.sketch import SketchParams, build_sketch, from_bytes, merge_sketches, to_bytes
from attrib.sketch.fingerprint import fingerprint, new_minhash
from attrib.tokens import CaseKey, token_of

KEY = CaseKey(bytes(range(32)), "neardup-test")

ROWS = pl.DataFrame({
    "name": ["张伟", "张伟", "李娜", None, "王芳"],
    "address": ["北京市朝阳区建国路88号3栋201室", "北京市朝阳区建国路88号3栋2O1室",
                "上海市浦东新区世纪大道100号", "广州市", "成都市武侯区人民南路4段12号"],
})


def test_shingles_are_keyed_tokens():
    toks = neardup.shingle_tokens(ROWS, KEY)
    assert set(toks["row"].to_list()) == {0, 1, 2, 4}  # row 3 has no name
    # "张伟" is shingled as its pinyin, "zhangwei␟北京…": first shingle "zh", keyed like
    # any token of type "shingle".
    assert token_of(KEY, neardup.SHINGLE_TYPE, "zh") in toks.filter(pl.col("row") == 0)[
        "token"].to_list()
    other = neardup.shingle_tokens(ROWS, CaseKey(bytes(32), "another"))
    assert not set(toks["token"].to_list()) & set(other["token"].to_list())


def test_signatures_equal_datasketch():
    toks = neardup.shingle_tokens(ROWS, KEY)
    sig = neardup.signatures(ROWS, KEY)
    assert sig.rows.tolist() == [0, 1, 2, 4]
    for k, row in enumerate(sig.rows):
        m = new_minhash(neardup.NUM_PERM, neardup.SEED)
        m.update_batch([int(t) for t in toks.filter(pl.col("row") == row)["token"]])
        assert np.array_equal(m.hashvalues, sig.sig[k, :neardup.NUM_PERM])


def test_candidates_equal_datasketch_lsh():
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2**63, (60, neardup.NUM_PERM), dtype=np.uint64)
    left = base.copy()
    # Perturb some slots so that some bands agree and others do not.
    noise = rng.random(left.shape) < 0.3
    left[noise] = rng.integers(0, 2**63, int(noise.sum()), dtype=np.uint64)
    right = base[rng.permutation(60)]
    lsh = MinHashLSH(threshold=neardup.LSH_THRESHOLD, num_perm=neardup.NUM_PERM)
    for j, hv in enumerate(right):
        lsh.insert(j, new_minhash(neardup.NUM_PERM, neardup.SEED, hv))
    want = {(i, j) for i, hv in enumerate(left)
            for j in lsh.query(new_minhash(neardup.NUM_PERM, neardup.SEED, hv))}
    got = {tuple(p) for p in neardup.candidates(left, right).tolist()}
    assert got == want and want


def test_romanised_names_match_characters():
    latin = ROWS.with_columns(pl.Series("name", ["zhang wei", "Zhang Wei", "li na", None,
                                                 "wang fang"]))
    a, b = neardup.signatures(ROWS, KEY), neardup.signatures(latin, KEY)
    assert np.array_equal(a.sig, b.sig)


def test_address_numbers_must_agree():
    rows = pl.DataFrame({"name": ["张伟"] * 3,
                         "address": ["北京市朝阳区建国路123号", "北京市朝阳区建国路1123号",
                                     "北京市朝阳区建国路0123号"]})
    sig = neardup.signatures(rows, KEY).sig
    # The shingles nearly agree; the numbers (123 = 0123, not 1123) decide.
    assert (sig[0, :neardup.NUM_PERM] == sig[1, :neardup.NUM_PERM]).mean() >= neardup.VERIFY_AT
    _, best = neardup.best_matches(sig[[1, 2]], sig[[0]])
    assert best.tolist() == [-1, 0]


def test_best_matches_verifies_similarity():
    sig = neardup.signatures(ROWS, KEY).sig
    sim, best = neardup.best_matches(sig[[1, 2, 3]], sig[[0, 3]])
    # The typo'd address finds its record; the others find nobody similar enough.
    assert best.tolist() == [0, -1, 1]
    assert neardup.VERIFY_AT <= sim[0] < 1.0 and sim[2] == 1.0 and sim[1] == 0.0


def reference_signatures(norm: pl.DataFrame, key: CaseKey) -> tuple[list[int], np.ndarray]:
    """The plain definition: a MinHash of each record's shingle tokens, record by record,
    then its address numbers (what signatures() computes per distinct name/address)."""
    toks = neardup.shingle_tokens(norm, key)
    numbers = neardup.address_numbers(norm, key)
    rows = sorted(set(toks["row"].to_list()))
    sig = np.zeros((len(rows), neardup.WIDTH), dtype=np.uint64)
    for k, row in enumerate(rows):
        tokens = toks.filter(pl.col("row") == row)["token"].to_numpy()
        sig[k, :neardup.NUM_PERM] = fingerprint(tokens, neardup.NUM_PERM, neardup.SEED)
        sig[k, neardup.NUM_PERM:] = numbers[row]
    return rows, sig


def assert_reference(frame: pl.DataFrame) -> None:
    got = neardup.signatures(frame, KEY)
    rows, sig = reference_signatures(frame, KEY)
    assert got.rows.tolist() == rows
    assert np.array_equal(got.sig, sig)
    plain = neardup.signatures_plain(frame, KEY)
    assert np.array_equal(plain.rows, got.rows) and np.array_equal(plain.sig, got.sig)


def test_signatures_equal_reference_on_edge_cases():
    assert_reference(pl.DataFrame({
        "name": ["张伟", "张伟", "Zhang Wei", "𠀋𠀋", "𠀋𠀋", "王芳", None, "李娜", "张*",
                 "欧阳娜娜"],
        "address": ["北京市朝阳区建国路88号", "北京市朝阳区建国路88号", "建国路0088号",
                    "", "上海市12345678901234567890号", "广州市٣٤号1号", "成都市", "",
                    "杭州市", "𠀋路000号00室1号"],
    }))
    # Records without a single shingle (an unreadable name and an empty address).
    assert_reference(pl.DataFrame({"name": ["𠀋𠀋", "𠀋𠀋"], "address": ["", "1"]}))
    assert neardup.signatures(pl.DataFrame({"name": ["𠀋𠀋"], "address": [""]}), KEY).size == 0
    # No usable record at all, and no such columns.
    assert neardup.signatures(pl.DataFrame({"name": ["张*"], "address": ["x"]}), KEY).size == 0
    assert neardup.signatures(pl.DataFrame({"name": ["张伟"]}), KEY).size == 0
    assert neardup.signatures(pl.DataFrame(schema={"name": pl.String, "address": pl.String}),
                              KEY).size == 0


def test_signatures_from_threads_at_once():
    # attrib.api.sketch_frames sketches batches in parallel threads.
    from concurrent.futures import ThreadPoolExecutor

    frames = [pl.concat([ROWS] * 50).with_columns(
        pl.concat_str([pl.col("address"), pl.lit(f"{k}号")])) for k in range(6)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda f: neardup.signatures(f, KEY), frames))
    for frame, sig in zip(frames, together, strict=True):
        alone = neardup.signatures(frame, KEY)
        assert np.array_equal(sig.rows, alone.rows) and np.array_equal(sig.sig, alone.sig)


def test_other_shingle_sizes_take_the_plain_path(monkeypatch):
    monkeypatch.setattr(neardup, "SHINGLE", 3)
    got = neardup.signatures(ROWS, KEY)
    rows, sig = reference_signatures(ROWS, KEY)
    assert got.rows.tolist() == rows and np.array_equal(got.sig, sig)
    monkeypatch.setattr(neardup, "SHINGLE", 2)
    assert not np.array_equal(neardup.signatures(ROWS, KEY).sig, sig)


_ADDRESS_CHARS = "北京市朝阳区建国路号栋室单元0123456789０٣ -#𠀋"
_NAME_CHARS = "王李张单曾长城伟芳娜欧阳尉迟張偉𠀋 Zhangwei·*"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.none() | st.text(st.sampled_from(_NAME_CHARS), max_size=5),
                          st.none() | st.text(st.sampled_from(_ADDRESS_CHARS), max_size=30)),
                max_size=25))
def test_signatures_equal_reference(records: list[tuple[str | None, str | None]]) -> None:
    frame = pl.DataFrame(records, schema={"name": pl.String, "address": pl.String},
                         orient="row")
    assert_reference(frame)


def test_as_set_equals_numpy_unique():
    rng = np.random.default_rng(4)
    few = rng.integers(0, 3, (500, neardup.WIDTH)).astype(np.uint64)  # many ties
    wide = rng.integers(0, 2**64 - 1, (800, neardup.WIDTH), dtype=np.uint64)
    merged = np.concatenate([np.unique(wide[:500], axis=0), np.unique(wide[300:], axis=0)])
    for sig in (few, wide, np.concatenate([wide, wide[::-1]]), merged, wide[:1]):
        got = neardup.as_set(neardup.Signatures(np.arange(sig.shape[0], dtype=np.uint32), sig))
        assert np.array_equal(got.sig, np.unique(sig, axis=0))
        assert got.rows.tolist() == [0] * got.size


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300), st.integers(1, 2**64 - 1), st.integers(0, 2**32 - 1),
       st.booleans())
def test_as_set_property(n: int, high: int, seed: int, merged: bool) -> None:
    rng = np.random.default_rng(seed)
    sig = rng.integers(0, high, (n, neardup.WIDTH), dtype=np.uint64, endpoint=True)
    if merged:  # two sets, as a merge of sketch parts gives
        sig = np.concatenate([np.unique(sig[: n // 2], axis=0), np.unique(sig[n // 3:], axis=0)])
    got = neardup.as_set(neardup.Signatures(np.zeros(sig.shape[0], dtype=np.uint32), sig))
    assert np.array_equal(got.sig, np.unique(sig, axis=0))


def params():
    return SketchParams(scale=4, num_perm=64, seed=1, key_id=KEY.key_id)


def test_signatures_in_sketch_files_and_merges():
    frame = pl.concat([ROWS] * 3).with_columns(
        pl.Series("phone", [f"86138{i:08d}" for i in range(15)]))
    meta = {"kinds": ["name", "address", "phone"], "org": "A", "snapshot": "2024-06-30"}
    whole = build_sketch(frame, KEY, params(), kind="leak", meta=meta, exact=True,
                         keep_records=True)
    parts = [build_sketch(frame[i:i + 5], KEY, params(), kind="leak", meta=meta, exact=True,
                          keep_records=True) for i in (0, 5, 10)]
    merged = merge_sketches(parts)
    back = from_bytes(to_bytes(whole))
    for sk in (merged, back):
        assert np.array_equal(sk.neardup.rows, whole.neardup.rows)
        assert np.array_equal(sk.neardup.sig, whole.neardup.sig)
    sampled_source = build_sketch(frame, KEY, params(), kind="source", meta=meta, exact=False)
    assert sampled_source.neardup is None  # only with the exact tier


# ---------------------------------------------------------------------------
# The engine


@pytest.fixture(scope="module")
def world():
    from attrib.api import sketch_frames
    from attrib.synth import build_leak, build_world
    from attrib.synth.exports import export_frame

    w = build_world(seed=3, size=6000)
    p = SketchParams(scale=50, num_perm=64, seed=1, key_id=KEY.key_id)
    sources = []
    for org in ("courier", "telecom"):
        snap = w.org(org).snapshots[-1]
        sk, _, _ = sketch_frames([export_frame(w, org, snap)], KEY, p, kind="source",
                                 exact=True)
        sources.append(sk.with_meta(org=org, snapshot=snap))
    leak = build_leak(w, "noisy", 5, org="courier", snapshot=w.org("courier").snapshots[-1],
                      fraction=0.3, masked=1.0, fields=["name", "phone", "address"],
                      name_typo=0.5, address_typo=0.0)
    lsk, _, _ = sketch_frames([leak.frame], KEY, p, kind="leak", exact=True)
    return w, sources, lsk, leak


def test_near_duplicates_recover_typo_records(world):
    w, sources, leak_sketch, leak = world
    pop = w.population.height
    on = attribute(leak_sketch, sources, pop)
    off = attribute(leak_sketch, sources, pop, Settings(neardup_evidence=False))
    top_on = next(c for c in on.candidates if c.org == "courier")
    top_off = next(c for c in off.candidates if c.org == "courier")
    typos = int(leak.provenance["typo"].sum())
    assert top_off.neardup_records == 0
    # Records whose name typo broke the masked token come back as near-duplicates.
    assert top_on.neardup_records >= 0.8 * typos
    assert top_on.matched_records > top_off.matched_records
    assert on.verdict.org == "courier" and on.verdict.status == "attributed"
    # The telecom holds some of the same persons: its near-duplicates are those people.
    other = next(c for c in on.candidates if c.org == "telecom")
    assert other.neardup_records < top_on.neardup_records / 3

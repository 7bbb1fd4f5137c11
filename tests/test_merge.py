"""Sketches of parts of a list merge into the sketch of the whole, bit for bit."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import national_id

from attrib.api import sketch_frames
from attrib.sketch import SketchParams, merge_sketches, to_bytes
from attrib.tokens import CaseKey

GIVEN = "伟芳娜秀英敏静丽强磊"
KEY = CaseKey(bytes(range(32)), "merge-test")
PARAMS = SketchParams(scale=4, num_perm=64, seed=1, key_id=KEY.key_id)


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    n = 3000
    return pl.DataFrame({
        "姓名": [f"张{GIVEN[i % 10]}{GIVEN[i % 7]}" for i in range(n)],
        "手机号": [f"138{i:08d}" for i in range(n)],
        "身份证号": [national_id(i) for i in range(n)],
        "地址": [f"北京市朝阳区建国路{i % 700}号" for i in range(n)],
    })


@pytest.mark.parametrize("kind", ["source", "leak"])
@pytest.mark.parametrize("exact", [False, True])
def test_parts_merge_into_whole(frame, kind, exact):
    whole, _, _ = sketch_frames([frame], KEY, PARAMS, kind=kind, exact=exact)
    parts = [sketch_frames([frame[a:b]], KEY, PARAMS, kind=kind, exact=exact)[0]
             for a, b in ((0, 1000), (1000, 2200), (2200, 3000))]
    assert to_bytes(merge_sketches(parts)) == to_bytes(whole)


def test_batches_equal_one_pass(frame):
    one, _, q1 = sketch_frames([frame], KEY, PARAMS, kind="source", exact=False)
    many, _, q2 = sketch_frames([frame[i:i + 500] for i in range(0, 3000, 500)], KEY, PARAMS,
                                kind="source", exact=False)
    assert to_bytes(one) == to_bytes(many)
    assert q1 == q2


def _failing_after(frames, exc):
    """The frames, then ``exc`` raised by the next read (a damaged page further on)."""
    yield from frames
    raise exc


def test_error_reading_a_later_batch_is_raised(frame):
    """The second batch is read beside the column detection: its reading error still
    surfaces, and one in the third is raised as it was."""
    from attrib.errors import InputError

    for good in (1, 2):
        batches = _failing_after([frame[i * 1000:(i + 1) * 1000] for i in range(good)],
                                 InputError("t.parquet: damaged"))
        with pytest.raises(InputError, match="^t.parquet: damaged$"):
            sketch_frames(batches, KEY, PARAMS, kind="source", exact=False)


def test_detection_error_wins_over_the_read_beside_it(frame):
    from attrib.errors import InputError, UsageError

    batches = _failing_after([frame[:1000]], InputError("t.parquet: damaged"))
    with pytest.raises(UsageError, match="nope"):
        sketch_frames(batches, KEY, PARAMS, kind="source", exact=False,
                      mapping={"nope": "phone"})


def test_leak_exact_tier_is_rebuilt_from_records():
    """A leak's exact tier is not written twice: the file stores its records only, and
    reading rebuilds the same tier, so the bytes survive a round trip."""
    from attrib.sketch import build_sketch, from_bytes, to_bytes
    from attrib.sketch.fileformat import loads

    key = CaseKey(bytes(range(32)), "exact-from-records")
    frame = pl.DataFrame({"national_id": [f"ID{i:016d}" for i in range(300)],
                          "address": [f"addr-{i % 40}" for i in range(300)]})
    sk = build_sketch(frame, key, SketchParams(scale=4, num_perm=16, seed=1,
                                                 key_id=key.key_id),
                      kind="leak", meta={}, exact=True, keep_records=True)
    data = to_bytes(sk)
    header, sections = loads(data)
    assert header["exact"] == "records"
    assert not [name for name in sections if name.startswith("exact/")]
    back = from_bytes(data)
    assert back.exact is not None and set(back.exact) == set(sk.exact)
    for t, arr in sk.exact.items():
        assert np.array_equal(back.exact[t], arr)
    assert to_bytes(back) == data


def test_leak_against_sampled_sources_keeps_only_sampled_versions(mini_world, tmp_path):
    """With a source that keeps no exact tier the exact tier is never chosen, so the
    leak is sketched with version tokens for its sampled identifiers only: the
    attribution is the same as with every version token, on fewer tokens."""
    from attrib import api
    from attrib.attribution import attribute
    from attrib.case import open_case

    case = tmp_path / "case"
    api.create_case(case)
    api.add_source(case, mini_world / "org_a.csv", org="org_a", snapshot="2024-06-30",
                   exact=False)
    api.add_source(case, mini_world / "org_b.csv", org="org_b", snapshot="2024-06-30")
    # A 300-record leak seen through a 1/100 sample may well be inconclusive (the key,
    # and so the sample, is new with every case): what matters is that the reduced
    # sketch gives the same answer as the full one.
    doc = api.attribute_leak(case, mini_world / "leak.csv")
    opened = open_case(case)
    stored = opened.read_sketch(opened.leaks()[0])
    assert stored.meta["versions"] == "sampled"
    full = api.sketch_table(mini_world / "leak.csv", opened.key(), opened.params,
                            kind="leak", meta={}, exact=True)
    assert stored.records is not None and full.records is not None
    assert stored.records.height < full.records.height
    sources = [opened.read_sketch(e) for e in opened.sources()]
    a = attribute(stored, sources, opened.population)
    b = attribute(full, sources, opened.population)
    assert a.tier == b.tier == "sampled"
    assert a.verdict == b.verdict and doc["verdict"] == a.verdict.to_dict()
    assert [c.probability for c in a.candidates] == [c.probability for c in b.candidates]
    assert [c.containment for c in a.candidates] == [c.containment for c in b.candidates]


def test_leak_against_sampled_sources_only_has_no_signatures(mini_world, tmp_path):
    """No source keeps an exact tier, so none has near-duplicate signatures: the leak's
    are not computed, and the attribution is the same as with them."""
    from attrib import api
    from attrib.attribution import attribute
    from attrib.case import open_case

    case = tmp_path / "case"
    api.create_case(case)
    for org in ("org_a", "org_b"):
        api.add_source(case, mini_world / f"{org}.csv", org=org, snapshot="2024-06-30",
                       exact=False)
    doc = api.attribute_leak(case, mini_world / "leak.csv")
    opened = open_case(case)
    stored = opened.read_sketch(opened.leaks()[0])
    assert stored.neardup is None and stored.meta["versions"] == "sampled"
    full = api.sketch_table(mini_world / "leak.csv", opened.key(), opened.params,
                            kind="leak", meta={}, exact=True)
    assert full.neardup is not None
    sources = [opened.read_sketch(e) for e in opened.sources()]
    a, b = attribute(stored, sources, opened.population), attribute(full, sources,
                                                                      opened.population)
    assert a.verdict == b.verdict and doc["verdict"] == a.verdict.to_dict()
    assert [c.probability for c in a.candidates] == [c.probability for c in b.candidates]


def test_batch_size_does_not_change_a_files_sketch(frame, tmp_path, monkeypatch):
    """Column kinds are decided on the first DETECT_ROWS rows whatever the batch size,
    so the default Parquet batch (larger than that) gives the bytes smaller ones give."""
    from attrib import api

    monkeypatch.setattr(api, "DETECT_ROWS", 1000)
    # Past the first 1000 rows a third of the phones are not phones: deciding on more
    # rows would give the column another confidence.
    phones = [p if i < 1000 or i % 3 else "n/a?" for i, p in enumerate(frame["手机号"])]
    path = tmp_path / "snapshot.parquet"
    frame.with_columns(pl.Series("手机号", phones)).write_parquet(path, row_group_size=500)
    small, large = (api.sketch_table(path, KEY, PARAMS, kind="source", meta={}, exact=False,
                                     batch_rows=rows) for rows in (1000, 3000))
    assert to_bytes(small) == to_bytes(large)


def test_default_batch_rows(frame, tmp_path, monkeypatch):
    from attrib import api

    parquet, csv, damaged = (tmp_path / n for n in ("a.parquet", "a.csv", "b.parquet"))
    frame.write_parquet(parquet)
    frame.write_csv(csv)
    damaged.write_bytes(b"PAR1 not really")
    assert api.default_batch_rows(parquet) == api.PARQUET_BATCH_ROWS
    assert api.default_batch_rows(csv) == api.DEFAULT_BATCH_ROWS
    assert api.default_batch_rows(damaged) == api.DEFAULT_BATCH_ROWS
    monkeypatch.setattr(api, "PARQUET_LARGE_ROWS", frame.height - 1)
    assert api.default_batch_rows(parquet) == api.DEFAULT_BATCH_ROWS


def test_warm_up_skips_numba_blas_probe_and_restores_it():
    """Warming the kernels up in a fresh attrib command process does not import
    scipy.linalg (numba's BLAS probe), leaves no trace in sys.modules, and scipy.linalg
    imports afterwards."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from attrib import api\n"
        "api.SKIP_BLAS_PROBE = True  # as the attrib command sets it\n"
        "from attrib.sketch import SketchParams\n"
        "from attrib.tokens import CaseKey\n"
        "key = CaseKey(bytes(range(32)), 'warm')\n"
        "api.warm_up(key, SketchParams(scale=4, num_perm=16, seed=1, key_id=key.key_id)).join()\n"
        "import numba.np.arraymath as am\n"
        "assert 'scipy.linalg' not in sys.modules and not am._HAVE_BLAS\n"
        "assert 'scipy.linalg.cython_blas' not in sys.modules\n"
        "import scipy.linalg\n"
        "print(scipy.linalg.det([[2.0, 0.0], [0.0, 3.0]]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "6.0"

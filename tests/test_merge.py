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

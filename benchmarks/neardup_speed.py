"""Speed of near-duplicate signatures (attrib.neardup.signatures) on a large leak.

    python benchmarks/neardup_speed.py                      # 10^6 rows of the snapshot
    python benchmarks/neardup_speed.py --rows 200000 --check 3000
    python benchmarks/neardup_speed.py --sketch             # share of the leak's sketch
    python benchmarks/neardup_speed.py --rows 200000 --every-field --sketch source

Input: ``benchmarks/out/snapshot_1000000.parquet`` (``python benchmarks/sketch.py``
writes it), its name, phone, national ID and address columns, normalised as
``attrib attribute`` does (not timed). Reported: the first call in the process (pypinyin's
dictionaries, the compiled kernels loaded from numba's cache), the best of ``--repeat``
later calls, seconds per stage of that call (``neardup.last_timings()``), and
``as_set`` (what an exact-tier source stores). ``--batch-rows`` splits the rows as
``attrib`` streams a file (500,000 a batch by default there; one batch here).
``--check N`` compares the first N rows with the record-by-record definition
(``neardup.signatures_plain``: shingle tokens, one MinHash per record). ``--sketch``
times the whole sketch of the rows as a leak (or ``--sketch source``: an exact-tier
source, whose signatures are stored as a set) with ``attrib.api.sketch_frames``,
500,000 rows a batch, with and without the signatures (after a warm-up sketch of
20,000 rows: the first-call costs are in ``first_call_s``).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
COLUMNS = ["姓名", "手机号码", "身份证号", "联系地址"]


def load(path: Path, rows: int, every_field: bool = False) -> pl.DataFrame:
    """Raw String columns of the leak (name, phone, national ID, address; or all)."""
    frame = pl.read_parquet(path, n_rows=rows)
    cols = ([c for c in COLUMNS if c in frame.columns] or frame.columns if not every_field
            else frame.columns)
    return frame.select(pl.col(c).cast(pl.String) for c in cols)


def normalised(raw: pl.DataFrame) -> pl.DataFrame:
    from attrib.fields import detect_columns, normalise

    return normalise(raw, detect_columns(raw)).frame


def batches(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    return [frame.slice(i, size) for i in range(0, frame.height, size)] or [frame]


def timed_signatures(parts: list[pl.DataFrame], key: Any) -> tuple[float, dict[str, float]]:
    """Wall seconds of the signatures of every part, the summed stage seconds and the
    process's CPU seconds (``cpu``, all threads)."""
    from attrib import neardup

    stages: dict[str, float] = {}
    start, cpu = time.perf_counter(), time.process_time()
    for part in parts:
        neardup.signatures(part, key)
        for stage, sec in neardup.last_timings().items():
            stages[stage] = stages.get(stage, 0.0) + sec
    stages["cpu"] = time.process_time() - cpu
    return time.perf_counter() - start, stages


def check(norm: pl.DataFrame, key: Any) -> dict[str, Any]:
    """The signatures against the record-by-record definition (signatures_plain)."""
    from attrib import neardup

    got, plain = neardup.signatures(norm, key), neardup.signatures_plain(norm, key)
    same = np.array_equal(got.rows, plain.rows) and np.array_equal(got.sig, plain.sig)
    return {"rows": norm.height, "signatures": got.size, "identical": bool(same)}


def sketch_seconds(raw: pl.DataFrame, key: Any, batch_rows: int, with_signatures: bool,
                   kind: str = "leak") -> float:
    from attrib import neardup
    from attrib.api import sketch_frames
    from attrib.sketch import SketchParams

    params = SketchParams(scale=1000, num_perm=256, seed=1, key_id=key.key_id)
    real = neardup.signatures
    if not with_signatures:
        neardup.signatures = lambda norm, key: neardup.empty()  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        sketch_frames(batches(raw, batch_rows), key, params, kind=kind, exact=True)
        return time.perf_counter() - start
    finally:
        neardup.signatures = real  # type: ignore[assignment]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", type=Path, default=HERE / "out" / "snapshot_1000000.parquet")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch-rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--check", type=int, default=0, metavar="N")
    ap.add_argument("--sketch", choices=["leak", "source"], nargs="?", const="leak")
    ap.add_argument("--every-field", action="store_true",
                    help="all the snapshot's columns (birth date, e-mail too)")
    args = ap.parse_args()

    from attrib import neardup
    from attrib.tokens import CaseKey

    key = CaseKey(bytes(32), "bench-neardup-speed")
    raw = load(args.input, args.rows, args.every_field)
    norm = normalised(raw)
    parts = batches(norm, args.batch_rows)
    first, first_stages = timed_signatures(parts, key)
    best, best_stages = float("inf"), {}
    for _ in range(args.repeat):
        sec, stages = timed_signatures(parts, key)
        if sec < best:
            best, best_stages = sec, stages
    sigs = neardup.signatures(norm, key)
    start = time.perf_counter()
    neardup.as_set(sigs)
    as_set = time.perf_counter() - start
    out: dict[str, Any] = {
        "rows": norm.height, "batch_rows": args.batch_rows, "cpus": os.cpu_count(),
        "distinct_names": norm["name"].n_unique(), "distinct_addresses": norm["address"].n_unique(),
        "first_call_s": round(first, 3), "best_s": round(best, 3),
        "first_call_stages_s": {k: round(v, 3) for k, v in first_stages.items()},
        "best_stages_s": {k: round(v, 3) for k, v in best_stages.items()},
        "as_set_s": round(as_set, 3), "loadavg": os.getloadavg()[0],
    }
    if args.check:
        out["check"] = check(norm.head(args.check), key)
    if args.sketch:
        out["sketch_kind"] = args.sketch
        sketch_seconds(raw.head(20_000), key, 500_000, True, args.sketch)  # warm up
        out["sketch_with_signatures_s"] = round(
            sketch_seconds(raw, key, 500_000, True, args.sketch), 3)
        out["sketch_without_signatures_s"] = round(
            sketch_seconds(raw, key, 500_000, False, args.sketch), 3)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

"""Attribution speed with many source snapshots: 200 sketches, a 1M-record leak.

    python benchmarks/many_sources.py --orgs 50 --snapshots 4 --leak-rows 1000000

Builds a case folder whose 200 source sketches (50 organisations x 4 snapshots, each
of 10^5-10^6 persons, sampled tier only, as organisations' own sketches are) and a
1M-record leak are made directly from keyed tokens of a synthetic population (the
token hashing itself is measured by benchmarks/sketch.py), then times
``attrib.api``'s attribution step on the stored case: loading and verifying every
sketch and running the engine. Also times sketching the 1M-row leak file from raw
data, so the end-to-end ``attrib attribute`` figure is their sum.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from attrib.attribution import attribute
from attrib.case import init_case, open_case
from attrib.sketch import Sketch
from attrib.sketch.fingerprint import fingerprint
from attrib.tokens import max_hash_for_scale

HERE = Path(__file__).resolve().parent
TYPES = ("national_id", "phone", "name_dob", "national_id>address", "phone>address")


def person_tokens(rng: np.random.Generator, population: int) -> dict[str, np.ndarray]:
    """Random 64-bit tokens stand in for keyed tokens (they are uniform either way)."""
    return {t: rng.integers(0, 2**64, population, dtype=np.uint64) for t in TYPES[:3]}


def source_sketch(pop: dict[str, np.ndarray], members: np.ndarray, addr: np.ndarray,
                  params, org: str, snap: str) -> Sketch:
    cutoff = np.uint64(max_hash_for_scale(params.scale))
    sampled = {}
    for t in TYPES[:3]:
        tok = pop[t][members]
        sampled[t] = np.unique(tok[tok <= cutoff])
    for anchor in ("national_id", "phone"):
        tok = pop[anchor][members]
        keep = tok <= cutoff
        sampled[f"{anchor}>address"] = np.unique(tok[keep] ^ addr[members][keep])
    meta = {"org": org, "snapshot": snap, "kinds": ["name", "national_id", "phone",
                                                     "birth_date", "address"]}
    counts = {"rows": int(members.size), "rows_with_anchor": int(members.size)}
    fp = fingerprint(pop["national_id"][members], params.num_perm, params.seed)
    return Sketch(kind="source", params=params, meta=meta, counts=counts, sampled=sampled,
                  fingerprint=fp)


def leak_sketch(pop: dict[str, np.ndarray], members: np.ndarray, addr: np.ndarray,
                params) -> Sketch:
    n = members.size
    rows = np.arange(n, dtype=np.uint32)
    parts = []
    for t in TYPES[:3]:
        tok = pop[t][members]
        parts.append(pl.DataFrame({"row": rows, "type": t, "token": tok, "anchor": tok}))
    for anchor in ("national_id", "phone"):
        tok = pop[anchor][members]
        parts.append(pl.DataFrame({"row": rows, "type": f"{anchor}>address",
                                   "token": tok ^ addr[members], "anchor": tok}))
    recs = pl.concat(parts).with_columns(pl.col("row").cast(pl.UInt32),
                                         pl.col("token").cast(pl.UInt64),
                                         pl.col("anchor").cast(pl.UInt64))
    meta = {"kinds": ["name", "national_id", "phone", "birth_date", "address"],
            "input": {"file": "leak", "sha256": "0" * 64, "size_bytes": 0, "rows": n,
                      "format": "synthetic", "encoding": None}}
    cutoff = max_hash_for_scale(params.scale)
    kept = recs.filter(pl.col("anchor") <= cutoff)
    sampled = {t: np.unique(g["token"].to_numpy()) for (t,), g in
               kept.partition_by("type", as_dict=True).items()}
    return Sketch(kind="leak", params=params, meta=meta,
                  counts={"rows": n, "rows_with_anchor": n}, sampled=sampled,
                  fingerprint=fingerprint(pop["national_id"][members], params.num_perm,
                                          params.seed), records=recs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=50)
    ap.add_argument("--snapshots", type=int, default=4)
    ap.add_argument("--population", type=int, default=20_000_000)
    ap.add_argument("--leak-rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    pop = person_tokens(rng, args.population)
    with tempfile.TemporaryDirectory() as tmp:
        case = init_case(Path(tmp) / "case", population=args.population)
        params = case.params
        t0 = time.perf_counter()
        sizes = rng.integers(100_000, 1_000_000, args.orgs)
        truth = None
        for o in range(args.orgs):
            base = rng.choice(args.population, int(sizes[o]), replace=False)
            addr = rng.integers(0, 2**64, args.population, dtype=np.uint64)
            for s in range(args.snapshots):
                keep = rng.random(base.size) > 0.05 * s  # churn between snapshots
                members = base[keep]
                sk = source_sketch(pop, members, addr, params, f"org{o:03d}",
                                   f"{2022 + s}-06-30")
                case.add_source(sk, origin="imported")
                if o == 0 and s == args.snapshots - 1:
                    truth = (members, addr)
        build_s = time.perf_counter() - t0
        assert truth is not None
        leak_members = rng.choice(truth[0], min(args.leak_rows, truth[0].size), replace=False)
        leak = leak_sketch(pop, leak_members, truth[1], params)
        t1 = time.perf_counter()
        case = open_case(case.path)
        sources = [case.read_sketch(e) for e in case.sources()]
        t2 = time.perf_counter()
        res = attribute(leak, sources, args.population)
        t3 = time.perf_counter()
    result = {
        "command": "python " + " ".join(sys.argv),
        "snapshots": args.orgs * args.snapshots, "leak_records": int(leak_members.size),
        "build_case_seconds": round(build_s, 1),
        "load_sketches_seconds": round(t2 - t1, 2),
        "attribute_seconds": round(t3 - t2, 2),
        "verdict": res.verdict.to_dict(), "tier": res.tier,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result, indent=2))
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "many_sources.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

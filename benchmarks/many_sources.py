"""Attribution speed with many source snapshots: 200 sketches, a 1M-record leak.

    python benchmarks/many_sources.py --orgs 50 --snapshots 4 --leak-rows 1000000
    python benchmarks/many_sources.py --end-to-end

``--end-to-end`` is the figure that matters to an investigator: a case of 200 source
snapshots made from keyed tokens of real-looking records (a pool of raw persons is
normalised and tokenised once with attrib's own code; each snapshot's sketch is built
from its members' tokens by ``attrib.sketch.core.sketch_tokens``, as ``attrib sketch``
would), and a raw 1M-row CSV leak of one of them, then ``attrib attribute CASE LEAK``
timed as a fresh process from start to verdict (reading, normalising, hashing,
near-duplicate signatures, storing the leak sketch, loading 200 sketches, attribution,
result). The default mode below times only the attribution step, on random tokens.

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

from attrib.arrays import distinct
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
        sampled[t] = distinct(tok[tok <= cutoff])
    for anchor in ("national_id", "phone"):
        tok = pop[anchor][members]
        keep = tok <= cutoff
        sampled[f"{anchor}>address"] = distinct(tok[keep] ^ addr[members][keep])
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
    sampled = {t: distinct(g["token"].to_numpy()) for (t,), g in
               kept.partition_by("type", as_dict=True).items()}
    return Sketch(kind="leak", params=params, meta=meta,
                  counts={"rows": n, "rows_with_anchor": n}, sampled=sampled,
                  fingerprint=fingerprint(pop["national_id"][members], params.num_perm,
                                          params.seed), records=recs)


def end_to_end(args: argparse.Namespace) -> dict[str, object]:
    """200 sketches of raw-record snapshots and ``attrib attribute`` on a raw leak file."""
    import os
    import subprocess

    from attrib.fields import detect_columns, normalise
    from attrib.sketch.core import sketch_tokens
    from attrib.tokens import masked_record_tokens, record_tokens

    sys.path.insert(0, str(HERE))
    import bulk

    rng = np.random.default_rng(args.seed)
    (HERE / "out").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=HERE / "out") as scratch:
        tmp = args.keep or scratch
        t0 = time.perf_counter()
        case = init_case(Path(tmp) / "case", population=args.population)
        key, params = case.key(), case.params
        raw = bulk.snapshot(args.persons, args.seed)
        norm = normalise(raw, detect_columns(raw.head(100_000))).frame
        full = record_tokens(norm, key, keep_anchor_below=params.max_hash).frame
        masked = masked_record_tokens(norm, key, keep_anchor_below=params.max_hash).frame
        top = min(1_000_000, args.persons // 2)
        sizes = rng.integers(top // 10, top, args.orgs)
        sizes[0] = min(max(int(sizes[0]), int(args.leak_rows * 1.25)), args.persons)
        truth = None
        for o in range(args.orgs):
            base = rng.choice(args.persons, int(sizes[o]), replace=False)
            for s in range(args.snapshots):
                members = base[rng.random(base.size) > 0.05 * s]  # churn between snapshots
                inside = np.zeros(args.persons, dtype=bool)
                inside[members] = True
                sub_full = full.filter(pl.Series(inside[full["row"].to_numpy()]))
                sub_masked = masked.filter(pl.Series(inside[masked["row"].to_numpy()]))
                org, snap = f"org{o:03d}", f"{2022 + s}-06-30"
                sk = sketch_tokens(sub_full, sub_masked, params, kind="source",
                                   columns=norm.columns, rows=int(members.size),
                                   meta={"org": org, "snapshot": snap}, exact=False)
                case.add_source(sk, origin="imported")
                if o == 0 and s == args.snapshots - 1:
                    truth = members
        assert truth is not None
        leak_rows = rng.choice(truth, min(args.leak_rows, truth.size), replace=False)
        leak = Path(tmp) / "leak.csv"
        raw[np.sort(leak_rows)].write_csv(leak)
        build_s = time.perf_counter() - t0
        del raw, norm, full, masked
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "attrib", "attribute", str(case.path), str(leak),
               "--json", str(out)]
        t1 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t1
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"attrib attribute failed: {proc.stderr.read().decode()[-500:]}")
        doc = json.loads(out.read_text())
    verdict = doc["verdict"]
    return {
        "command": "python " + " ".join(sys.argv), "mode": "end-to-end",
        "snapshots": args.orgs * args.snapshots, "persons": args.persons,
        "leak_records": int(leak_rows.size), "build_case_seconds": round(build_s, 1),
        "attribute_command_seconds": round(wall, 2),
        "attribute_command_cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "attribute_peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "verdict": {k: verdict.get(k) for k in ("status", "org", "snapshot_window", "confidence")},
        "expected": {"org": "org000", "snapshot": f"{2022 + args.snapshots - 1}-06-30"},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=50)
    ap.add_argument("--snapshots", type=int, default=4)
    ap.add_argument("--population", type=int, default=20_000_000)
    ap.add_argument("--leak-rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--end-to-end", action="store_true",
                    help="raw 1M-row leak file through `attrib attribute` (see above)")
    ap.add_argument("--keep", help="build the end-to-end case and leak in this (new) folder"
                    " and keep them")
    ap.add_argument("--persons", type=int, default=4_000_000,
                    help="raw persons the end-to-end snapshots are drawn from")
    args = ap.parse_args()
    if args.end_to_end:
        result = end_to_end(args)
        print(json.dumps(result, indent=2))
        (HERE / "out").mkdir(exist_ok=True)
        (HERE / "out" / "many_sources_e2e.json").write_text(json.dumps(result, indent=2) + "\n")
        return
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

"""Sketching speed: `attrib sketch` end to end against a plain read and the naive pipeline.

    python benchmarks/sketch.py --rows 10000000

Generates a realistic snapshot (Parquet and CSV), then times, each in a fresh process
so that peak memory is measured per step:

1. a plain polars read of the same file (the floor);
2. ``attrib sketch FILE --kit KIT ...`` end to end (read, detect, normalise, keyed
   tokens of every type, FracMinHash sample, fingerprint, write);
3. the straightforward pipeline a user would write instead: hashlib HMAC-SHA256 per
   value for each identifier column, then datasketch ``MinHash.update_batch``;
4. datasketch ``update_batch`` alone on attrib's own anchor tokens.

attrib's modules are byte-compiled first, as an installed package's are. Steps 1
and 2 alternate ``--repeats`` times (the machine's speed drifts between runs)
and the ratios are taken on the medians; the naive pipeline runs once. Prints the
ratios and writes benchmarks/out/sketch.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PY = sys.executable
ATTRIB = [PY, "-m", "attrib"]

READ = """
import sys, polars as pl
path = sys.argv[1]
df = pl.read_parquet(path) if path.endswith(".parquet") else pl.read_csv(path, infer_schema=False)
print(df.height)
"""

NAIVE = """
import hashlib, hmac, sys, polars as pl
from datasketch import MinHash
path, key = sys.argv[1], bytes.fromhex(sys.argv[2])
df = pl.read_parquet(path) if path.endswith(".parquet") else pl.read_csv(path, infer_schema=False)
m = MinHash(num_perm=128, seed=1, scheme="affine64", hashfunc=lambda x: x)
for col in ("手机号码", "身份证号", "电子邮箱"):
    tokens = [int.from_bytes(hmac.new(key, v.encode(), hashlib.sha256).digest()[:8], "big")
              for v in df[col].drop_nulls().to_list()]
    # update_batch materialises tokens x num_perm values: feed it 100k at a time.
    for i in range(0, len(tokens), 100_000):
        m.update_batch(tokens[i:i + 100_000])
print(int(m.hashvalues.min()))
"""

DATASKETCH = """
import sys, time, numpy as np
from attrib.kit import read_sketch_file
from datasketch import MinHash
tokens = np.load(sys.argv[1])
m = MinHash(num_perm=128, seed=1, scheme="affine64", hashfunc=int)
t = time.perf_counter()
m.update_batch(tokens.tolist())
print(time.perf_counter() - t)
"""


def timed(cmd: list[str]) -> dict[str, object]:
    """Run a command in a fresh process; its wall time and its own peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        # os.wait4 reports this child's own resource usage (RUSAGE_CHILDREN would give
        # the maximum over every child so far).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{err.read()}")
        return {"seconds": round(wall, 3), "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
                "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
                "stdout": out.read().strip()[-200:]}


def median_run(runs: list[dict[str, object]]) -> dict[str, object]:
    """The run of median wall time, with every run's wall time and the largest peak."""
    ordered = sorted(runs, key=lambda r: r["seconds"])  # type: ignore[arg-type, return-value]
    out = dict(ordered[(len(ordered) - 1) // 2])
    out["all_seconds"] = [r["seconds"] for r in runs]
    out["max_peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)  # type: ignore[type-var]
    return out


def byte_compile() -> None:
    """Compile attrib's modules as installing a package does: an editable install run
    under PYTHONDONTWRITEBYTECODE=1 would compile them again at every start (~0.1 s)."""
    import compileall

    import attrib

    compileall.compile_dir(Path(attrib.__file__).parent, quiet=1)


def generate(rows: int, seed: int) -> dict[str, Path]:
    sys.path.insert(0, str(HERE))
    import bulk

    OUT.mkdir(exist_ok=True)
    paths = {"parquet": OUT / f"snapshot_{rows}.parquet", "csv": OUT / f"snapshot_{rows}.csv"}
    if not all(p.exists() for p in paths.values()):
        df = bulk.snapshot(rows, seed)
        df.write_parquet(paths["parquet"], row_group_size=500_000)
        df.write_csv(paths["csv"])
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--formats", default="parquet,csv", help="comma-separated")
    ap.add_argument("--repeats", type=int, default=5,
                    help="alternating runs of the read and of attrib sketch (medians)")
    args = ap.parse_args()
    paths = generate(args.rows, args.seed)
    byte_compile()
    results: dict[str, object] = {
        "rows": args.rows, "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(), "command": " ".join(["python", *sys.argv]),
    }
    with tempfile.TemporaryDirectory() as tmp:
        case, kit = Path(tmp) / "case", Path(tmp) / "kit"
        subprocess.run([*ATTRIB, "case", "init", str(case)], check=True, capture_output=True)
        subprocess.run([*ATTRIB, "case", "export-kit", str(case), "-o", str(kit)], check=True,
                       capture_output=True)
        key = json.loads(kit.read_text())["secret"]
        for fmt, path in paths.items():
            if fmt not in args.formats.split(","):
                continue
            r: dict[str, object] = {}
            out = Path(tmp) / f"{fmt}.sketch"
            reads, sketches = [], []
            for _ in range(max(1, args.repeats)):
                reads.append(timed([PY, "-c", READ, str(path)]))
                sketches.append(timed([*ATTRIB, "sketch", str(path), "--kit", str(kit),
                                       "--org", "bench", "--snapshot", "2025-01-01",
                                       "-o", str(out)]))
            r["polars_read"] = median_run(reads)
            r["attrib_sketch"] = median_run(sketches)
            if not args.skip_naive:
                r["naive_hmac_datasketch"] = timed([PY, "-c", NAIVE, str(path), key])
            read_s = r["polars_read"]["seconds"]  # type: ignore[index]
            sk_s = r["attrib_sketch"]["seconds"]  # type: ignore[index]
            r["sketch_over_read"] = round(sk_s / read_s, 2)
            if "naive_hmac_datasketch" in r:
                r["naive_over_sketch"] = round(
                    r["naive_hmac_datasketch"]["seconds"] / sk_s, 2)  # type: ignore[index]
            results[fmt] = r
            print(fmt, json.dumps(r, ensure_ascii=False))
    (OUT / "sketch.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()

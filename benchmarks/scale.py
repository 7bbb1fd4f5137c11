"""Scale: sketch a 10^8-row customer snapshot on one machine in bounded memory.

    python benchmarks/scale.py                  # 10^8 rows (about 3 GB of Parquet)
    python benchmarks/scale.py --rows 1000000   # a quick run

1. Generates the snapshot as a folder of Parquet parts (``part-00000.parquet``, ...,
   ``--part-rows`` rows each) under ``--out`` (default benchmarks/out/, gitignored),
   with vectorised numpy: Chinese names, 11-digit mobiles, 18-digit national IDs with
   valid check digits and birth dates, addresses, e-mails (``benchmarks/bulk.py``).
   A folder already generated with the same rows, part size and seed is reused.
2. Creates a fresh case, exports its kit and runs, in a child process,
   ``attrib sketch FOLDER --kit KIT --org bench --snapshot 2025-01-01 -o OUT`` with
   the local engine, which streams the parts one batch at a time.
3. Records the child's wall time and peak resident memory (``/usr/bin/time -v``, or
   ``getrusage`` of the child where that is missing) in ``--out``/scale.json and
   prints them. The target is 10^8 rows under 2 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GNU_TIME = "/usr/bin/time"
TARGET_MIB = 2048


def generate(folder: Path, rows: int, part_rows: int, seed: int) -> dict[str, Any]:
    """Write the snapshot as Parquet parts; reuse a folder made with the same settings."""
    stamp = {"rows": rows, "part_rows": part_rows, "seed": seed}
    marker = folder / "_GENERATED.json"  # "_" prefix: not a data file to attrib or Spark
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return {"reused": True}
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sys.path.insert(0, str(HERE))
    import bulk

    started = time.perf_counter()
    for index, start in enumerate(range(0, rows, part_rows)):
        n = min(part_rows, rows - start)
        # One seed per part: parts are independent, and any part can be regenerated.
        bulk.snapshot(n, seed * 1_000_003 + index).write_parquet(
            folder / f"part-{index:05d}.parquet", row_group_size=min(n, 250_000))
    marker.write_text(json.dumps(stamp))
    size = sum(p.stat().st_size for p in folder.glob("*.parquet"))
    return {"reused": False, "seconds": round(time.perf_counter() - started, 1),
            "size_bytes": size}


def attrib(*args: str) -> list[str]:
    """The ``attrib`` command line in this Python environment."""
    return [sys.executable, "-m", "attrib", *args]


def measured(cmd: list[str]) -> dict[str, Any]:
    """Run a command in a child process; its wall time and peak resident memory."""
    use_time = os.access(GNU_TIME, os.X_OK)
    full = [GNU_TIME, "-v", *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if use_time:
        peak_kib = int(_time_field(proc.stderr, r"Maximum resident set size \(kbytes\)"))
    else:  # the largest child so far: exact when this is the largest one
        peak_kib = max(usage.ru_maxrss, before)
    # CPU seconds tell the work apart from waiting for cores other processes hold.
    cpu = (_time_field(proc.stderr, r"User time \(seconds\)")
           + _time_field(proc.stderr, r"System time \(seconds\)")) if use_time else (
        usage.ru_utime + usage.ru_stime)
    return {"seconds": round(wall, 1), "cpu_seconds": round(cpu, 1),
            "peak_rss_mib": round(peak_kib / 1024, 1),
            "stderr": proc.stderr.strip().splitlines()[0] if proc.stderr.strip() else ""}


def _time_field(report: str, label: str) -> float:
    """A number from ``/usr/bin/time -v`` output (0 when absent)."""
    found = re.search(label + r": ([\d.]+)", report)
    return float(found.group(1)) if found else 0.0


def machine() -> dict[str, Any]:
    """What ran the benchmark."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    import polars

    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem_kib / 2**20, 1),
            "python": platform.python_version(), "polars": polars.__version__,
            "os": platform.platform()}


def sketch(folder: Path, batch_rows: int, work: Path) -> dict[str, Any]:
    """Sketch the folder with a kit from a fresh case, measuring the sketch process."""
    case, kit, out = work / "case", work / "kit.json", work / "snapshot.sketch"
    subprocess.run(attrib("case", "init", str(case)), check=True, capture_output=True)
    subprocess.run(attrib("case", "export-kit", str(case), "-o", str(kit)), check=True,
                   capture_output=True)
    cmd = attrib("sketch", str(folder), "--kit", str(kit), "--org", "bench", "--snapshot",
                 "2025-01-01", "-o", str(out), "--batch-rows", str(batch_rows))
    result = measured(cmd)
    result["sketch_bytes"] = out.stat().st_size
    result["command"] = " ".join(["attrib", *cmd[3:]])
    return result


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10**8, help="Rows in the snapshot.")
    ap.add_argument("--part-rows", type=int, default=10**6, help="Rows per Parquet part.")
    ap.add_argument("--batch-rows", type=int, default=250_000,
                    help="attrib sketch --batch-rows (memory is bounded by it).")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "out",
                    help="Folder for the generated parts and scale.json.")
    ap.add_argument("--delete", action="store_true", help="Delete the parts afterwards.")
    args = ap.parse_args(argv)
    folder = args.out / f"scale_{args.rows}"
    print(f"generating {args.rows} rows in {folder} ...", file=sys.stderr)
    generated = generate(folder, args.rows, args.part_rows, args.seed)
    print(f"sketching {folder} ...", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="attrib-scale-") as tmp:
        result = sketch(folder, args.batch_rows, Path(tmp))
    result["rows_per_second"] = round(args.rows / result["seconds"]) if result["seconds"] else 0
    result["under_target"] = result["peak_rss_mib"] < TARGET_MIB
    record = {"rows": args.rows, "part_rows": args.part_rows, "batch_rows": args.batch_rows,
              "engine": "local", "generated": generated, "sketch": result,
              "machine": machine(),
              "reproduce": "python benchmarks/scale.py " + " ".join(sys.argv[1:] or [])}
    args.out.mkdir(parents=True, exist_ok=True)
    log = args.out / "scale.json"
    runs = json.loads(log.read_text()) if log.exists() else []
    log.write_text(json.dumps([*runs, record], indent=2, ensure_ascii=False) + "\n")
    if args.delete:
        shutil.rmtree(folder, ignore_errors=True)
    print(json.dumps(record, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

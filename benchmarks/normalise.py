"""Normalisation speed: 1M rows of five fields through detect_columns + normalise.

    python benchmarks/normalise.py --rows 1000000

Fields: name, phone (written four ways, a fifth of them masked), national ID, birth
date (three formats) and address. Prints wall and CPU seconds of the best of three runs.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from attrib.fields import detect_columns, normalise

HERE = Path(__file__).resolve().parent


def frame(rows: int, seed: int = 1) -> pl.DataFrame:
    sys.path.insert(0, str(HERE))
    import bulk

    df = bulk.snapshot(rows, seed).select("姓名", "手机号码", "身份证号", "出生日期", "联系地址")
    rng = np.random.default_rng(seed)
    style = pl.Series(rng.integers(0, 5, rows))
    phone = pl.col("手机号码")
    written = (pl.when(style == 0).then(pl.lit("+86 ") + phone)
               .when(style == 1).then(phone.str.slice(0, 3) + "-" + phone.str.slice(3, 4) + "-"
                                      + phone.str.slice(7))
               .when(style == 2).then(phone.str.slice(0, 3) + "****" + phone.str.slice(7))
               .otherwise(phone))
    day = pl.col("出生日期")
    dates = (pl.when(style == 0).then(day.str.slice(0, 4) + "年" + day.str.slice(4, 2) + "月"
                                      + day.str.slice(6, 2) + "日")
             .when(style == 1).then(day.str.slice(0, 4) + "/" + day.str.slice(4, 2) + "/"
                                    + day.str.slice(6, 2))
             .otherwise(day))
    return df.with_columns(written.alias("手机号码"), dates.alias("出生日期"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    df = frame(args.rows)
    runs = []
    for _ in range(3):
        w, c = time.perf_counter(), time.process_time()
        norm = normalise(df, detect_columns(df))
        runs.append((time.perf_counter() - w, time.process_time() - c))
    wall, cpu = min(runs)
    result = {"command": "python " + " ".join(sys.argv), "rows": args.rows, "fields": 5,
              "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
              "quality": norm.quality.to_dict()["kinds"]}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "normalise.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()

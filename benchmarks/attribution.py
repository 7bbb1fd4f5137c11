"""The attribution benchmark: every scenario family, several seeds, the public API.

    python benchmarks/attribution.py --size medium --seeds 5 --runs 12

For each seed a synthetic world is built (``attrib.synth``), every in-case
organisation's snapshots are sketched as the organisation exports them, and leaks of
each family are generated, sketched and attributed. Printed per family: top-1
organisation accuracy, false attributions, snapshot-window hit rate and width,
mixture component precision/recall and share error, and the Papadimitriou &
Garcia-Molina guilt baseline's top-1 accuracy; overall: the expected calibration error
of the stated confidence and the coverage of the containment intervals (sampled tier
against the exact containment).

``--write-error-rates`` stores the figures in attrib/attribution/error_rates.json, from
which every result document and report quotes them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from attrib.api import sketch_frames
from attrib.attribution import Settings, attribute
from attrib.sketch import Sketch, SketchParams
from attrib.synth import FAMILIES, build_world, make_leak
from attrib.synth.exports import export_frame
from attrib.tokens import CaseKey

ROOT = Path(__file__).resolve().parents[1]
ERROR_RATES = ROOT / "attrib" / "attribution" / "error_rates.json"


def case_key(seed: int) -> tuple[CaseKey, SketchParams]:
    key = CaseKey(secrets.token_bytes(32), f"bench-{seed}")
    return key, SketchParams(scale=100, num_perm=128, seed=1, key_id=key.key_id)


def sketch_sources(world: Any, key: CaseKey, params: SketchParams) -> list[Sketch]:
    """Sketch every in-case organisation snapshot, as exported by the organisation."""
    out = []
    for org in world.in_case_orgs():
        for date in org.snapshots:
            frame = export_frame(world, org.id, date)
            sk, _, _ = sketch_frames([frame], key, params, kind="source", exact=True,
                                     label=f"{org.id}@{date}")
            out.append(sk.with_meta(org=org.id, snapshot=date))
    return out


def evaluate(doc: Any, truth: dict[str, Any]) -> dict[str, Any]:
    """Compare one attribution with the ground truth."""
    v = doc.verdict
    expected = truth["expected_status"]
    named = v.org if v.status != "inconclusive" else None
    row: dict[str, Any] = {
        "family": truth["family"], "expected": expected, "status": v.status,
        "named": named, "truth_org": truth.get("org"),
    }
    if expected == "attributed":
        row["correct"] = v.status == "attributed" and named == truth["org"]
        row["false_attribution"] = named is not None and named != truth["org"]
    elif expected == "mixture":
        want = {c["org"] for c in truth["components"]}
        got = {c.org for c in doc.components if c.fraction >= 0.05}
        row["correct"] = v.status == "mixture" and got == want
        row["false_attribution"] = bool(got - want)
        row["component_tp"] = len(got & want)
        row["component_fp"] = len(got - want)
        row["component_fn"] = len(want - got)
        shares = {c.org: c.fraction for c in doc.components}
        row["share_errors"] = [abs(shares.get(c["org"], 0.0) - c["fraction"])
                               for c in truth["components"]]
    else:  # inconclusive expected (absent source)
        row["correct"] = v.status == "inconclusive"
        row["false_attribution"] = named is not None
    snap = truth.get("snapshot")
    if expected == "attributed" and snap and v.snapshot_window:
        lo, hi = v.snapshot_window
        row["window_hit"] = lo <= snap <= hi
        row["window_width"] = sum(1 for w in doc.window_snapshots if w["consistent"])
    # Calibration pairs: the stated probability of the leading organisation, and
    # whether it is the true source.
    top = doc.candidates[0]
    top_org_p = sum(c.probability for c in doc.candidates if c.org == top.org)
    truth_orgs = ({c["org"] for c in truth["components"]} if expected == "mixture"
                  else {truth.get("org")} if truth.get("in_case", True) else set())
    row["top_p"] = top_org_p
    row["top_true"] = top.org in truth_orgs and expected != "inconclusive"
    guilt_top = max(doc.candidates, key=lambda c: c.guilt_baseline).org
    row["guilt_correct"] = guilt_top in truth_orgs
    row["tier"] = doc.tier
    # Field agreement of the true source (best snapshot) and of the best wrong org.
    true_c = [c for c in doc.candidates if c.org in truth_orgs]
    wrong_c = [c for c in doc.candidates if c.org not in truth_orgs and c.matched_sample]
    if true_c:
        row["true_fields"] = max(true_c, key=lambda c: c.loglik).field_counts
    if wrong_c:
        best_wrong = max(wrong_c, key=lambda c: c.loglik)
        row["wrong_fields"] = best_wrong.field_counts
        row["wrong_org"] = best_wrong.org
    return row


def coverage_rows(leak: Sketch, sources: list[Sketch], population: int) -> list[bool]:
    """Whether each sampled-tier interval covers the exact tier's containment.

    Both tiers count the same quantity (distinct anchor tokens the source holds, a
    near-duplicate record's similarity credited per token), so the sampled figure is a
    binomial sample of the exact one.
    """
    exact = attribute(leak, sources, population, Settings(exact_below=10**12))
    sampled = attribute(leak, sources, population, Settings(exact_below=0))
    truth = {(c.org, c.snapshot): c.containment for c in exact.candidates}
    out = []
    for c in sampled.candidates:
        if c.checkable_records < 10:
            continue
        lo, hi = c.containment_ci
        out.append(lo <= truth[(c.org, c.snapshot)] <= hi)
    return out


def describe(doc: Any, truth: dict[str, Any], seed: int, r: int) -> str:
    """One leak's verdict and leading candidates, for a debugging rerun (counts only)."""
    v = doc.verdict
    lines = [f"seed {seed} {truth['family']} run {r}: truth {truth.get('org')} "
             f"{truth.get('snapshot')} components "
             f"{[(c['org'], c['fraction']) for c in truth.get('components') or []]} "
             f"fields {truth.get('fields')} rows {truth.get('rows')} -> {v.status} {v.org} "
             f"conf {v.confidence:.3f} outside {doc.outside_probability:.3f} "
             f"tier {doc.tier}: {v.reason}"]
    for c in doc.candidates[:6]:
        lines.append(f"    {c.org:10s} {c.snapshot} p {c.probability:.3f} "
                     f"n {c.checkable_records} m {c.matched_sample} "
                     f"cont {c.containment:.3f} ll {c.loglik:.1f} fields {c.field_counts}")
    for comp in doc.components:
        lines.append(f"    component {comp.org} {comp.snapshot} share {comp.fraction:.3f} "
                     f"records {comp.records} in-case {comp.source_in_case:.3f}")
    return "\n".join(lines)


def ece(pairs: list[tuple[float, bool]], bins: int = 10) -> float:
    """Expected calibration error of (stated probability, outcome) pairs."""
    if not pairs:
        return float("nan")
    p = np.array([x for x, _ in pairs])
    y = np.array([float(o) for _, o in pairs])
    idx = np.minimum((p * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            total += sel.sum() / len(p) * abs(p[sel].mean() - y[sel].mean())
    return float(total)


def summarise(rows: list[dict[str, Any]], coverage: list[bool]) -> dict[str, Any]:
    fams: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        fams[r["family"]].append(r)
    families = []
    for fam in FAMILIES:
        rs = fams.get(fam, [])
        if not rs:
            continue
        f: dict[str, Any] = {
            "family": fam, "runs": len(rs),
            "correct_rate": float(np.mean([r["correct"] for r in rs])),
            "false_attribution_rate": float(np.mean([r["false_attribution"] for r in rs])),
            "guilt_baseline_top1": float(np.mean([r["guilt_correct"] for r in rs])),
            "exact_tier_share": float(np.mean([r["tier"] == "exact" for r in rs])),
        }
        hits = [r["window_hit"] for r in rs if "window_hit" in r]
        if hits:
            f["window_hit_rate"] = float(np.mean(hits))
            f["window_width_mean"] = float(np.mean([r["window_width"] for r in rs
                                                    if "window_width" in r]))
        if fam == "mixture":
            tp = sum(r["component_tp"] for r in rs)
            fp = sum(r["component_fp"] for r in rs)
            fn = sum(r["component_fn"] for r in rs)
            f["component_precision"] = tp / (tp + fp) if tp + fp else float("nan")
            f["component_recall"] = tp / (tp + fn) if tp + fn else float("nan")
            f["share_error_mean"] = float(np.mean([e for r in rs for e in r["share_errors"]]))
        families.append(f)
    pairs = [(r["top_p"], r["top_true"]) for r in rows]
    return {
        "families": families,
        "calibration": {"ece": ece(pairs), "pairs": len(pairs)},
        "interval_coverage": {"rate": float(np.mean(coverage)) if coverage else float("nan"),
                              "intervals": len(coverage), "nominal": 0.95},
    }


def run(size: str, seeds: int, runs: int, first_seed: int, settings: Settings,
        log: Any = print, families: list[str] | None = None,
        only_runs: list[int] | None = None, show: bool = False,
        ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Run the benchmark; ``families`` / ``only_runs`` restrict it (to rerun one case),
    ``show`` logs every leak's verdict and leading candidates (no personal data)."""
    rows: list[dict[str, Any]] = []
    coverage: list[bool] = []
    for seed in range(first_seed, first_seed + seeds):
        t0 = time.perf_counter()
        world = build_world(seed=seed, size=size)
        key, params = case_key(seed)
        sources = sketch_sources(world, key, params)
        population = world.population.height
        log(f"seed {seed}: world and {len(sources)} sources in {time.perf_counter() - t0:.1f}s")
        for fam in FAMILIES:
            if families and fam not in families:
                continue
            for r in range(runs):
                if only_runs is not None and r not in only_runs:
                    continue
                frame, truth = make_leak(world, fam, seed * 100_000 + r * 100 + FAMILIES.index(fam))
                leak, _, _ = sketch_frames([frame], key, params, kind="leak", exact=True,
                                           label=f"{fam}-{r}")
                res = attribute(leak, sources, population, settings)
                row = evaluate(res, truth)
                row["seed"] = seed
                row["run"] = r
                rows.append(row)
                if show:
                    log(describe(res, truth, seed, r))
                if fam in ("plain", "overlap", "padded", "mixture") and r % 2 == 0:
                    coverage.extend(coverage_rows(leak, sources, population))
        log(f"seed {seed}: done in {time.perf_counter() - t0:.1f}s")
    return summarise(rows, coverage), rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="medium")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=12, help="leaks per family per seed")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "attribution.json")
    ap.add_argument("--write-error-rates", action="store_true")
    ap.add_argument("--families", default="",
                    help="comma-separated families to run (default: all)")
    ap.add_argument("--only-runs", default="",
                    help="comma-separated run indices to run (default: all of --runs)")
    ap.add_argument("--show", action="store_true",
                    help="log each leak's verdict and leading candidates")
    args = ap.parse_args()
    families = [f for f in args.families.split(",") if f] or None
    only_runs = [int(x) for x in args.only_runs.split(",") if x] or None
    if args.write_error_rates and (families or only_runs):
        ap.error("--write-error-rates needs the full benchmark (no --families/--only-runs)")
    settings = Settings()
    t0 = time.perf_counter()
    summary, rows = run(args.size, args.seeds, args.runs, args.first_seed, settings,
                        log=lambda m: print(m, file=sys.stderr), families=families,
                        only_runs=only_runs, show=args.show)
    command = (f"python benchmarks/attribution.py --size {args.size} --seeds {args.seeds} "
               f"--first-seed {args.first_seed} --runs {args.runs}")
    summary.update({
        "measured": True, "command": command, "date": dt.date.today().isoformat(),
        "world_size": args.size, "seeds": args.seeds, "runs_per_family": args.runs,
        "seconds": round(time.perf_counter() - t0, 1), "settings": settings.to_dict(),
    })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"summary": summary, "rows": rows}, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    if args.write_error_rates:
        ERROR_RATES.write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()

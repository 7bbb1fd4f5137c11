"""Benchmark of the evidence beyond exact identifiers (docs/evidence.md).

    python benchmarks/evidence.py --size small --seeds 2 --runs 10

Reuses benchmarks/attribution.py (same world, keys, source sketches and scoring) on
the scenarios that masked identifiers and near-duplicate records are meant to help:

* ``noisy``: the benchmark's noisy family as it is (typos, 20-50% masked phones, ...);
* ``masked``: the noisy family with every phone masked and only name, phone and
  address shown, so no record carries a full identifier;
* ``masked_typos``: ``masked`` with a typo in 40% of the names (addresses as in the
  noisy family, 10-30%), which breaks the masked tokens of those records
  (near-duplicate matching's case);
* ``padded``, ``absent``: the benchmark's families, to see that the weaker evidence
  changes nothing where it should not;
* ``masked_absent``: a sample of an organisation kept out of the case, shown the same
  way (name, masked phone, address): the right answer is "inconclusive", so this
  measures whether the weaker evidence names a wrong institution.

Printed per scenario: correct rate and false-attribution rate (as the attribution
benchmark scores them) and the mean confidence stated for the truth.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from attribution import case_key, evaluate, sketch_sources  # noqa: E402

from attrib.api import sketch_frames  # noqa: E402
from attrib.attribution import Settings, attribute  # noqa: E402
from attrib.synth import build_leak, build_world  # noqa: E402
from attrib.synth.render import render  # noqa: E402

MASKED_FIELDS = ["name", "phone", "address"]
SCENARIOS = ("noisy", "masked", "masked_typos", "masked_absent", "padded", "absent")


def scenario_leak(world: Any, scenario: str, seed: int) -> tuple[Any, dict[str, Any]]:
    """The rendered leak frame and its ground truth for one scenario run."""
    if scenario == "noisy":
        leak = build_leak(world, "noisy", seed)
    elif scenario == "masked":
        leak = build_leak(world, "noisy", seed, masked=1.0, fields=MASKED_FIELDS)
    elif scenario == "masked_typos":
        leak = build_leak(world, "noisy", seed, masked=1.0, fields=MASKED_FIELDS,
                          name_typo=0.4)
    elif scenario in ("padded", "absent"):
        leak = build_leak(world, scenario, seed)
    elif scenario == "masked_absent":
        leak = build_leak(world, "absent", seed, fields=MASKED_FIELDS)
        style = replace(leak.style, masked_phone=1.0)
        return render(leak.canonical, style), leak.truth
    else:
        raise ValueError(f"unknown scenario {scenario!r}")
    return leak.frame, leak.truth


def run(size: str, seeds: int, runs: int, first_seed: int, scenarios: list[str],
        settings: Settings) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for seed in range(first_seed, first_seed + seeds):
        t0 = time.perf_counter()
        world = build_world(seed=seed, size=size)
        key, params = case_key(seed)
        sources = sketch_sources(world, key, params)
        population = world.population.height
        for sc in scenarios:
            for r in range(runs):
                frame, truth = scenario_leak(world, sc, seed * 100_000 + r * 100 + 37)
                leak, _, _ = sketch_frames([frame], key, params, kind="leak", exact=True,
                                           label=f"{sc}-{r}")
                res = attribute(leak, sources, population, settings)
                row = evaluate(res, truth)
                true_c = [c for c in res.candidates if c.org == truth.get("org")]
                row.update(scenario=sc, seed=seed, confidence=res.verdict.confidence,
                           containment=max((c.containment for c in true_c), default=0.0),
                           truth_p=sum(c.probability for c in true_c))
                rows.append(row)
        print(f"seed {seed}: {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    out = {}
    for sc in scenarios:
        rs = [r for r in rows if r["scenario"] == sc]
        out[sc] = {
            "runs": len(rs),
            "correct_rate": float(np.mean([r["correct"] for r in rs])),
            "false_attribution_rate": float(np.mean([r["false_attribution"] for r in rs])),
            "statuses": {s: sum(r["status"] == s for r in rs)
                         for s in ("attributed", "mixture", "inconclusive")},
            "true_source_containment_mean": float(np.mean([r["containment"] for r in rs])),
            "true_source_probability_mean": float(np.mean([r["truth_p"] for r in rs])),
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", default="small")
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--runs", type=int, default=10, help="leaks per scenario per seed")
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--no-masked", action="store_true",
                    help="leave masked anchors out (the figures before they existed)")
    ap.add_argument("--no-neardup", action="store_true",
                    help="leave near-duplicate records out")
    args = ap.parse_args()
    settings = Settings(masked_evidence=not args.no_masked,
                        neardup_evidence=not args.no_neardup)
    summary = run(args.size, args.seeds, args.runs, args.first_seed,
                  args.scenarios.split(","), settings)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()

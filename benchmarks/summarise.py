"""Print the benchmark results in benchmarks/out/ as the Markdown tables of docs/benchmarks.md.

    python benchmarks/summarise.py > /tmp/tables.md
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"


def _pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f}%"


def attribution() -> None:
    path = OUT / "attribution.json"
    if not path.exists():
        return
    s = json.loads(path.read_text())["summary"]
    print(f"Command: `{s['command']}` ({s['date']}, {s['seconds']} s).\n")
    print("| family | runs | correct | false attribution | window hit | window width "
          "| P&GM baseline top-1 | exact tier |")
    print("|---|---|---|---|---|---|---|---|")
    for f in s["families"]:
        print(f"| {f['family']} | {f['runs']} | {_pct(f['correct_rate'])} | "
              f"{_pct(f['false_attribution_rate'])} | {_pct(f.get('window_hit_rate'))} | "
              f"{f.get('window_width_mean', '–')} | {_pct(f['guilt_baseline_top1'])} | "
              f"{_pct(f['exact_tier_share'])} |")
    mix = next((f for f in s["families"] if f["family"] == "mixture"), None)
    if mix:
        print(f"\nMixtures: component precision {_pct(mix['component_precision'])}, recall "
              f"{_pct(mix['component_recall'])}, mean share error "
              f"{mix['share_error_mean']:.3f}.")
    cal, cov = s["calibration"], s["interval_coverage"]
    print(f"\nExpected calibration error of the stated confidence: {cal['ece']:.3f} "
          f"({cal['pairs']} attributions). Containment intervals (sampled tier, 95%) "
          f"cover the exact containment in {_pct(cov['rate'])} of {cov['intervals']} cases.\n")


def simple(name: str) -> None:
    path = OUT / f"{name}.json"
    if path.exists():
        print(f"`{name}.json`:\n\n```json\n{path.read_text().strip()}\n```\n")


if __name__ == "__main__":
    attribution()
    for name in ("sketch", "many_sources", "scale"):
        simple(name)

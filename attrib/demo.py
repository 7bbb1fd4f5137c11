"""``attrib demo``: a case built from the bundled samples, every sample leak attributed."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrib import api
from attrib.errors import UsageError

MARKER = ".attrib-demo"


def samples_dir() -> Path:
    """The bundled samples: $ATTRIB_SAMPLES, else the source tree's samples/ folder."""
    env = os.environ.get("ATTRIB_SAMPLES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "samples"


def _prepare(out_dir: Path, progress: Callable[[str], Any]) -> Path:
    samples = samples_dir()
    if out_dir.exists():
        if not (out_dir / MARKER).exists():
            if any(out_dir.iterdir()):
                raise UsageError(f"{out_dir}: exists and is not a demo folder; choose another DIR")
        else:
            shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / MARKER).write_text("created by attrib demo; safe to delete\n")
    if not (samples / "manifest.json").is_file():
        from attrib.synth import build_world, write_samples

        progress(f"no bundled samples at {samples}; generating them (seed 7)")
        samples = out_dir / "samples"
        write_samples(build_world(seed=7, size="small"), samples, seed=7)
    return samples


def verdict_matches(doc: dict[str, Any], truth: dict[str, Any]) -> bool:
    """Whether a result agrees with a sample leak's ground truth."""
    v = doc["verdict"]
    expected = truth.get("expected_status")
    if v["status"] != expected:
        return False
    if expected == "attributed":
        ok = v["org"] == truth.get("org")
        snap = truth.get("snapshot")
        if ok and snap and v["snapshot_window"]:
            lo, hi = v["snapshot_window"]
            ok = lo <= snap <= hi
        return ok
    if expected == "mixture":
        want = {c["org"] for c in truth.get("components", [])}
        return {c["org"] for c in doc["components"]} == want
    return True


def run_demo(out_dir: Path, progress: Callable[[str], Any] = print) -> dict[str, Any]:
    """Build the demo case in ``out_dir`` and attribute every sample leak."""
    out_dir = Path(out_dir)
    samples = _prepare(out_dir, progress)
    manifest = json.loads((samples / "manifest.json").read_text(encoding="utf-8"))
    case_dir = out_dir / "case"
    api.create_case(case_dir, population=int(manifest["population"]), examiner="attrib demo")
    for src in manifest["sources"]:
        entry = api.add_source(case_dir, samples / src["file"], org=src["org"],
                               snapshot=src["snapshot"])
        progress(f"added {entry['id']} ({entry['rows']} rows, {src['file']})")
    leaks = []
    correct = 0
    for item in manifest["leaks"]:
        leak_path = samples / item["file"]
        doc = api.attribute_leak(case_dir, leak_path)
        stem = Path(item["file"]).stem
        result_path = out_dir / "results" / f"{stem}.json"
        result_path.parent.mkdir(parents=True, exist_ok=True)
        result_path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
                               encoding="utf-8")
        report = api.make_report(case_dir, result_path, "html",
                                 out_dir / "reports" / f"{stem}.html")
        ok = verdict_matches(doc, item["truth"])
        correct += ok
        leaks.append({"file": item["file"], "truth": item["truth"], "result": doc,
                      "report": str(report), "correct": ok})
    return {"case": str(case_dir), "leaks": leaks, "correct": correct}

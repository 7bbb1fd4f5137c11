"""The result document ``attrib.attribution/1`` (docs/formats.md)."""

from __future__ import annotations

import json
from importlib import metadata
from importlib.resources import files
from typing import Any

from attrib import __version__
from attrib.attribution.engine import Attribution
from attrib.case import Case
from attrib.sketch import Sketch

RESULT_SCHEMA = "attrib.attribution/1"
DEPENDENCIES = ("datasketch", "polars", "numpy", "scipy", "pyarrow", "cryptography",
                "phonenumbers", "charset-normalizer", "fastexcel", "pypinyin",
                "opencc-python-reimplemented", "typer", "rich", "jinja2")


def dependency_versions() -> dict[str, str]:
    out = {}
    for name in DEPENDENCIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def measured_error_rates() -> dict[str, Any]:
    """The method's error rates as measured by benchmarks/attribution.py (shipped file)."""
    text = files("attrib.attribution").joinpath("error_rates.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def result_document(
    attribution: Attribution,
    *,
    case: Case,
    leak: Sketch,
    leak_entry: dict[str, Any],
    started: str,
    finished: str,
    reproduce: str,
) -> dict[str, Any]:
    """Assemble the result document from an attribution and its provenance."""
    a = attribution.to_dict()
    leak_input = leak.meta["input"]
    return {
        "schema": RESULT_SCHEMA,
        "leak": {
            "id": leak_entry["id"],
            "file": leak_input["file"],
            "sha256": leak_input["sha256"],
            "size_bytes": leak_input["size_bytes"],
            "records": leak.rows,
            "format": leak_input["format"],
            "encoding": leak_input["encoding"],
            "columns": leak.meta["columns"],
            "quality": leak.meta["quality"],
            "anchored_records": a["anchored_records"],
        },
        "candidates": a["candidates"],
        "verdict": a["verdict"],
        "components": a["components"],
        "unexplained_fraction": a["unexplained_fraction"],
        "outside_probability": a["outside_probability"],
        "tier": a["tier"],
        "observed_records": a["observed_records"],
        "window": a["window"],
        "evidence": a["evidence"],
        "canaries": a["canaries"],
        "case": {
            "case_id": case.case_id,
            "examiner": case.manifest.get("examiner"),
            "params": case.manifest["params"],
        },
        "sources": [
            {k: s.get(k) for k in ("id", "org", "snapshot", "origin", "rows", "sketch_sha256",
                                   "has_exact", "input")}
            for s in case.sources()
        ],
        "parameters": {
            "attribution": a["settings"],
            "population": a["population"],
            "priors": a["priors"],
            "sketch": case.manifest["params"],
        },
        "error_rates": measured_error_rates(),
        "tool": {"name": "attrib", "version": __version__,
                 "dependencies": dependency_versions()},
        "started": started,
        "finished": finished,
        "reproduce": reproduce,
    }

"""Everything a template shows, derived from the result document and report metadata.

The HTML and Markdown templates only lay this out; they compute nothing, so both
formats carry the same facts.
"""

from __future__ import annotations

import json
from typing import Any

from attrib.report import charts, text


def report_meta(doc: dict[str, Any], *, examiner: str | None, generated: str,
                extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``report`` section of the JSON report: who, when, and the report's provenance.

    Args:
        doc: the result document.
        examiner: the examiner named in the report (falls back to the case's).
        generated: UTC time of rendering, the only field that differs between runs.
        extra: further facts gathered from the case (audit log, result file, revealed
            evidence rows), as :func:`attrib.api.make_report` collects them.
    """
    meta = {
        "case_id": doc["case"]["case_id"],
        "examiner": examiner or doc["case"].get("examiner") or "(not named)",
        "generated": generated,
        "result_started": doc["started"],
        "result_finished": doc["finished"],
        "tool_version": doc["tool"]["version"],
        "personal_data": False,
        "result_file": None,
        "audit": None,
        "rebuild": [],
        "revealed": [],
        "revealed_columns": [],
    }
    meta.update(extra or {})
    meta["personal_data"] = bool(meta.get("revealed"))
    return meta


def fmt_value(key: str, value: Any) -> str:
    """A value as a table cell: rates as percentages, floats with fixed decimals."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return f"{100 * value:.1f}%" if key.endswith("_rate") else f"{value:.4g}"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def flatten(d: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts as (dotted key, formatted value) pairs, in the dict's order."""
    out: list[tuple[str, str]] = []
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out += flatten(v, name + ".")
        else:
            out.append((name, fmt_value(str(k), v)))
    return out


def table_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A list of dicts as a table whose columns are every key, in order of appearance."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    return {"columns": columns,
            "rows": [[fmt_value(c, r[c]) if c in r else "" for c in columns] for r in rows]}


def error_rate_blocks(rates: dict[str, Any]) -> list[dict[str, Any]]:
    """The benchmark's error-rate document as titled tables, whatever keys it has."""
    blocks: list[dict[str, Any]] = []
    plain = {k: v for k, v in rates.items()
             if not isinstance(v, list | dict) and k not in ("measured",)}
    if plain:
        blocks.append({"title": "benchmark", "table": None, "pairs": flatten(plain)})
    for key, value in rates.items():
        if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
            blocks.append({"title": key, "table": table_of(value), "pairs": []})
        elif isinstance(value, dict):
            blocks.append({"title": key, "table": None, "pairs": flatten(value)})
        elif isinstance(value, list):
            blocks.append({"title": key, "table": None, "pairs": [(key, fmt_value(key, value))]})
    return blocks


def inputs_table(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every input: the leak, then each source snapshot, with hashes and provenance."""
    leak = doc["leak"]
    rows = [{"role": "leaked list", "file": leak["file"], "sha256": leak["sha256"],
             "size_bytes": leak["size_bytes"], "rows": leak["records"], "org": "",
             "snapshot": "", "format": f"{leak.get('format')}, {leak.get('encoding')}",
             "sketch_sha256": "", "provenance": "file seized or bought by the investigator"}]
    for s in doc["sources"]:
        inp = s.get("input") or {}
        rows.append({"role": f"source ({s.get('origin')})", "file": inp.get("file", ""),
                     "sha256": inp.get("sha256", ""), "size_bytes": inp.get("size_bytes", ""),
                     "rows": s.get("rows"), "org": s["org"], "snapshot": s["snapshot"],
                     "format": f"{inp.get('format')}, {inp.get('encoding')}",
                     "sketch_sha256": s.get("sketch_sha256", ""),
                     "provenance": text.provenance(s)})
    return rows


def evidence_groups(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Exclusive evidence row numbers grouped by organisation."""
    groups: dict[str, list[int]] = {}
    for e in doc.get("evidence") or []:
        groups.setdefault(e["org"], []).append(int(e["record"]))
    totals: dict[str, int] = {}
    for c in doc["candidates"]:
        totals[c["org"]] = max(totals.get(c["org"], 0), int(c["exclusive_records"]))
    return [{"org": org, "records": rows, "total": max(totals.get(org, 0), len(rows))}
            for org, rows in groups.items()]


def chart_set(doc: dict[str, Any]) -> dict[str, str]:
    """The charts that apply to this result (a mixture chart only with components...)."""
    out = {
        "containment": charts.containment_svg(doc["candidates"]),
        "probability": charts.probability_svg(doc["candidates"], doc["outside_probability"]),
    }
    if doc.get("components"):
        out["mixture"] = charts.mixture_svg(doc["components"], doc["unexplained_fraction"])
    if doc.get("window"):
        leader = doc["verdict"].get("org") or doc["candidates"][0]["org"]
        out["timeline"] = charts.timeline_svg(doc["window"], doc["verdict"].get("snapshot_window"),
                                              leader)
    kinds = (doc["leak"].get("quality") or {}).get("kinds") or {}
    if kinds:
        out["quality"] = charts.quality_svg(kinds)
    return out


def summary(doc: dict[str, Any], meta: dict[str, Any]) -> list[tuple[str, str]]:
    """The first-page summary: question and answer pairs for a non-specialist."""
    reproduce = ("With the case folder and the leaked file, run: "
                 f"{doc['reproduce']} — see 'Reproduce' for every command.")
    if meta.get("revealed"):
        data = (f"This report CONTAINS PERSONAL DATA: the values of "
                f"{len(meta['revealed'])} evidence rows of the leaked list are shown. "
                "Handle and store it accordingly.")
    else:
        data = ("This report contains no personal data: evidence is referred to by row "
                "number in the leaked file only.")
    return [("What was compared", text.compared(doc)),
            ("What was found", text.headline(doc)),
            ("How sure", text.how_sure(doc)),
            ("Why", text.why(doc)),
            ("How to reproduce", reproduce),
            ("Personal data", data)]


def report_text(doc: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The report's sentences, for the JSON report (the same the HTML and Markdown show)."""
    return {
        "summary": [{"question": q, "answer": a} for q, a in summary(doc, meta)],
        "findings": text.findings(doc),
        "limitations": text.limitations(doc),
        "method": text.METHOD,
        "assumptions": list(text.ASSUMPTIONS),
    }


def report_context(doc: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The variables of the HTML and Markdown templates."""
    quality = doc["leak"].get("quality") or {}
    signals = quality.get("signals") or {}
    return {
        "doc": doc,
        "meta": meta,
        "summary": summary(doc, meta),
        "findings": text.findings(doc),
        "limitations": text.limitations(doc),
        "method": text.METHOD,
        "assumptions": text.ASSUMPTIONS,
        "inputs": inputs_table(doc),
        "evidence": evidence_groups(doc),
        "signals": [(text.SIGNAL_LABELS.get(k, k.replace("_", " ")), v)
                    for k, v in signals.items()],
        "parameters": flatten(doc.get("parameters") or {}),
        "error_rates": error_rate_blocks(doc.get("error_rates") or {}),
        "charts": chart_set(doc),
    }

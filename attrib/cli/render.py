"""Rendering helpers shared by the command modules (rich on stdout/stderr)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

# Wide enough for the attribution table when stdout is a file or a pipe.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, highlight=False)


def print_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


def attribution_table(doc: dict[str, Any]) -> Table:
    """The ranked candidates of a result document."""
    table = Table(title=f"Attribution of {doc['leak']['file']} ({doc['leak']['records']} records,"
                        f" {doc['tier']} tier)")
    for col, justify in (("#", "right"), ("organisation", "left"), ("snapshot", "left"),
                         ("probability", "right"), ("containment", "right"),
                         ("95% interval", "right"), ("matched", "right"),
                         ("exclusive", "right"), ("field agreement", "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for i, c in enumerate(doc["candidates"], start=1):
        lo, hi = c["containment_ci"]
        agree = (f"{c['field_agreements'] / c['field_checks']:.2f}" if c["field_checks"]
                 else "-")
        table.add_row(str(i), c["org"], c["snapshot"], f"{c['probability']:.4f}",
                      f"{c['containment']:.3f}", f"[{lo:.3f}, {hi:.3f}]",
                      str(c["matched_records"]), str(c["exclusive_records"]), agree)
    return table


def verdict_line(doc: dict[str, Any]) -> str:
    v = doc["verdict"]
    if v["status"] == "attributed":
        lo, hi = v["snapshot_window"]
        window = lo if lo == hi else f"{lo} .. {hi}"
        return (f"Verdict: ATTRIBUTED to {v['org']} (snapshot {window}), "
                f"confidence {v['confidence']:.3f}")
    if v["status"] == "mixture":
        parts = ", ".join(f"{c['org']} {c['fraction']:.0%}" for c in doc["components"])
        return f"Verdict: MIXTURE of {parts}; unexplained {doc['unexplained_fraction']:.0%}"
    return f"Verdict: INCONCLUSIVE ({v['reason']})"


def inspect_tables(doc: dict[str, Any]) -> list[Table]:
    """Tables of ``attrib inspect``: the file, then its columns (no values)."""
    f = doc["file"]
    info = Table(title=f"{f['path']}", show_header=False)
    info.add_column("", style="bold")
    info.add_column("")
    for key in ("format", "encoding", "delimiter", "has_header", "sheet", "rows", "sha256"):
        if f.get(key) is not None:
            info.add_row(key, str(f[key]))
    for note in f.get("notes", []):
        info.add_row("note", note)
    cols = Table(title="columns")
    for name in ("column", "kind", "confidence", "source", "primary", "valid", "invalid",
                 "masked", "missing"):
        cols.add_column(name)
    kinds = doc["quality"].get("kinds", {})
    for c in doc["columns"]:
        q = kinds.get(c["kind"], {}) if c.get("primary") else {}
        cols.add_row(c["column"], c["kind"], f"{c['confidence']:.2f}", c["source"],
                     "yes" if c.get("primary") else "", *(str(q.get(k, "")) for k in
                                                          ("valid", "invalid", "masked",
                                                           "missing")))
    return [info, cols]

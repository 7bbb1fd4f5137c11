"""Report renderers: the result document in JSON, Markdown and self-contained HTML.

Renderers consume the result document only; they compute nothing about the
attribution. Personal data never reaches them (the document holds row numbers and
keyed tokens' counts only).
"""

from __future__ import annotations

import json
from typing import Any

from attrib.report.context import report_context

REPORT_SCHEMA = "attrib.report/1"


def render(doc: dict[str, Any], fmt: str, *, examiner: str | None, generated: str) -> bytes:
    """Render a result document.

    Args:
        doc: the result document (schema ``attrib.attribution/1``).
        fmt: ``html``, ``md`` or ``json``.
        examiner: examiner named in the report.
        generated: UTC time of rendering (the only field that differs between runs).
    """
    ctx = report_context(doc, examiner=examiner, generated=generated)
    if fmt == "json":
        payload = {"schema": REPORT_SCHEMA, "report": ctx["meta"], "result": doc}
        return (json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("attrib.report", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["pct"] = lambda x: f"{100 * float(x):.1f}%"
    env.filters["num"] = lambda x, d=3: f"{float(x):.{d}f}"
    name = {"html": "report.html.j2", "md": "report.md.j2"}[fmt]
    return env.get_template(name).render(**ctx).encode()

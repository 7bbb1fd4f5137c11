"""Report renderers: the result document as HTML, Markdown, JSON and CASE/UCO JSON-LD.

Renderers consume the result document and the report metadata only; they compute
nothing about the attribution. The result document holds no personal data (row numbers
and counts only); personal values reach a report only through ``meta["revealed"]``,
which :func:`attrib.api.make_report` fills when the examiner asks for ``--reveal``.
Same document and metadata give the same bytes: only ``generated`` differs between runs.
"""

from __future__ import annotations

import json
from typing import Any

from attrib.report.context import report_context, report_meta, report_text

REPORT_SCHEMA = "attrib.report/1"
#: Formats rendered in-process; ``pdf`` is printed from the HTML by a browser.
FORMATS = ("html", "md", "json", "case")
#: File name suffix of each format.
SUFFIXES = {"html": ".html", "md": ".md", "json": ".json", "case": ".jsonld", "pdf": ".pdf"}


def render(doc: dict[str, Any], fmt: str, *, examiner: str | None, generated: str,
           extra: dict[str, Any] | None = None) -> bytes:
    """Render a result document.

    Args:
        doc: the result document (schema ``attrib.attribution/1``).
        fmt: ``html``, ``md``, ``json`` or ``case`` (CASE/UCO JSON-LD).
        examiner: examiner named in the report (default: the case's).
        generated: UTC time of rendering (the only field that differs between runs).
        extra: report metadata gathered from the case (see :func:`report_meta`).

    Returns:
        The report's bytes (UTF-8).
    """
    meta = report_meta(doc, examiner=examiner, generated=generated, extra=extra)
    if fmt == "json":
        payload = {"schema": REPORT_SCHEMA, "report": {**meta, **report_text(doc, meta)},
                   "result": doc}
        return (json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    if fmt == "case":
        from attrib.report.caseuco import case_document

        graph = case_document(doc, meta)
        return (json.dumps(graph, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()
    name = {"html": "report.html.j2", "md": "report.md.j2"}[fmt]
    return _environment().get_template(name).render(**report_context(doc, meta)).encode()


def _md_cell(value: Any) -> str:
    """A value safe inside a Markdown table cell (a pipe or newline would break the row)."""
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _environment() -> Any:
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
    env.filters["cell"] = _md_cell
    return env

"""Top-level commands: attribute, inspect, demo."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from attrib import api
from attrib.case.fsutil import atomic_write
from attrib.cli.app import app
from attrib.cli.render import attribution_table, err, out, print_json, verdict_line


@app.command("attribute")
def attribute(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    leak_file: Path = typer.Argument(..., help="The leaked list."),
    json_out: Path = typer.Option(None, "--json", help="Also write the result document here."),
    map_: list[str] = typer.Option(None, "--map", help="Force a column's kind: COLUMN=KIND."),
    sheet: str = typer.Option(None, help="XLSX sheet (default: the one with most rows)."),
    max_rows: int = typer.Option(None, help="Refuse files with more rows than this."),
) -> None:
    """Estimate which organisation and period a leaked list came from."""
    doc = api.attribute_leak(case_dir, leak_file, mapping=api.parse_mapping(map_), sheet=sheet,
                             max_rows=max_rows)
    out.print(attribution_table(doc))
    out.print(verdict_line(doc))
    if json_out:
        atomic_write(json_out, (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode())
        err.print(f"wrote {json_out}")


@app.command("inspect")
def inspect(
    file: Path = typer.Argument(..., help="Any supported file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    map_: list[str] = typer.Option(None, "--map", help="Force a column's kind: COLUMN=KIND."),
    sheet: str = typer.Option(None, help="XLSX sheet (default: the one with most rows)."),
    max_rows: int = typer.Option(None, help="Refuse files with more rows than this."),
) -> None:
    """Show what attrib sees in a file: format, encoding, rows, column kinds."""
    from attrib.cli.render import inspect_tables

    doc = api.inspect_file(file, mapping=api.parse_mapping(map_), sheet=sheet,
                           max_rows=max_rows)
    if as_json:
        print_json(doc)
        return
    for table in inspect_tables(doc):
        out.print(table)


@app.command("demo")
def demo(
    out_dir: Path = typer.Argument(Path("demo-case"), help="Folder for the demo case and "
                                   "its reports."),
) -> None:
    """Build a case from the bundled samples and attribute the sample leaks."""
    from attrib.demo import run_demo

    summary = run_demo(out_dir, progress=err.print)
    for item in summary["leaks"]:
        doc = item["result"]
        out.print(attribution_table(doc))
        out.print(verdict_line(doc))
        expected = item["truth"]
        out.print(f"  ground truth: {expected.get('expected_status')} "
                  f"{expected.get('org') or ''} {expected.get('snapshot') or ''}".rstrip())
        out.print(f"  report: {item['report']}\n")
    out.print(f"{summary['correct']} of {len(summary['leaks'])} sample leaks attributed as "
              f"their ground truth says.")

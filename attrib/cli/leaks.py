"""``attrib leaks ...``: leak-to-leak links in a case, and the cross-case leak registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from attrib import api
from attrib.cli.render import err, out, print_json


class _DefaultToList(TyperGroup):
    """``attrib leaks CASE_DIR`` runs ``list``; the other subcommands run as named."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["list", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultToList, no_args_is_help=True,
                  help="Which leaks are re-posts, cuts or merges of one another: in a case "
                  "(attrib leaks CASE_DIR) or across cases (a leak registry).")


def _link_table(title: str, links: list[dict[str, Any]], label: str = "b") -> Any:
    from rich.table import Table

    table = Table(title=title)
    for col in ("list", "other list", "relation", "Jaccard", "list in other", "other in list",
                "shared"):
        table.add_column(col)
    for x in links:
        other = x[label] if isinstance(x[label], str) else x["b"]
        table.add_row(x["a"], other, x["relation"], f"{x['jaccard']:.3f}",
                      f"{x['a_in_b']:.3f}", f"{x['b_in_a']:.3f}", str(x["shared_tokens"]))
    return table


@app.command("list")
def list_(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    registry: Path = typer.Option(None, "--registry", help="A leak registry: mark the case's "
                                  "leaks whose file is registered there."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """List the case's leaks and which are near-duplicates or contain one another."""
    from rich.table import Table

    doc = api.case_leak_links(case_dir, registry=registry)
    if as_json:
        print_json(doc)
        return
    table = Table(title=f"leaks of case {doc['case_id']}")
    for col in ("leak", "file", "rows", "identifiers", "registered as"):
        table.add_column(col)
    for leak in doc["leaks"]:
        table.add_row(leak["id"], str(leak["file"]), str(leak["rows"]), str(leak["identifiers"]),
                      ", ".join(leak["registry"]))
    out.print(table)
    if doc["links"]:
        out.print(_link_table("links between the case's leaks", doc["links"]))
    else:
        out.print("no two leaks of the case are near-duplicates or overlap")


@app.command("register")
def register(
    registry: Path = typer.Argument(..., help="The registry folder (created if absent)."),
    leak_file: Path = typer.Argument(..., help="The leaked list."),
    label: str = typer.Option(None, help="A note kept with the entry, e.g. the case or forum."),
    map_: list[str] = typer.Option(None, "--map", help="Force a column's kind: COLUMN=KIND."),
    sheet: str = typer.Option(None, help="XLSX sheet (default: the one with most rows)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Add a leaked list to a registry kept across cases (registry-keyed tokens only)."""
    doc = api.register_leak(registry, leak_file, label=label, mapping=api.parse_mapping(map_),
                            sheet=sheet)
    if as_json:
        print_json(doc)
    if doc["created"]:
        err.print(f"created registry {registry} (its key file is secret: keep it like a "
                  "case key)")
    entry = doc["entry"]
    if doc["already"]:
        err.print(f"{leak_file.name} is already registered as {entry['id']}")
        return
    err.print(f"registered {leak_file.name} as {entry['id']} ({entry['rows']} rows)")
    if doc["links"] and not as_json:
        out.print(_link_table("links to lists registered before", doc["links"]))


@app.command("search")
def search(
    registry: Path = typer.Argument(..., help="The registry folder."),
    leak_file: Path = typer.Argument(..., help="The leaked list."),
    map_: list[str] = typer.Option(None, "--map", help="Force a column's kind: COLUMN=KIND."),
    sheet: str = typer.Option(None, help="XLSX sheet (default: the one with most rows)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Find registered lists a leaked file duplicates, contains or is part of."""
    doc = api.search_leak(registry, leak_file, mapping=api.parse_mapping(map_), sheet=sheet)
    if as_json:
        print_json(doc)
        return
    if doc["identical"]:
        out.print(f"the same file is registered as {', '.join(doc['identical'])}")
    for x in doc["links"]:
        x["b"] = f"{x['b']} ({x['registered']['file']})"
    if doc["links"]:
        out.print(_link_table(f"registered lists linked to {doc['file']}", doc["links"]))
    else:
        out.print(f"no registered list is linked to {doc['file']}")

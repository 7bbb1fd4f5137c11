"""``attrib canary ...``: canary records an organisation plants in its own data."""

from __future__ import annotations

from pathlib import Path

import typer

from attrib import api
from attrib.cli.render import err, out, print_json

app = typer.Typer(help="Canary records: synthetic persons an organisation plants in its data; "
                  "a leak holding one is attributed to it.", no_args_is_help=True)


@app.command("generate")
def generate(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    org: str = typer.Option(..., help="Organisation that will plant them, e.g. insurer_a."),
    n: int = typer.Option(20, "-n", help="How many canary records to make."),
    output: Path = typer.Option(..., "-o", "--output", help="File for the organisation to "
                                "plant (.csv, .jsonl or .xlsx; mode 0600)."),
    seed: int = typer.Option(None, help="Random seed (reproducible canaries, for tests only)."),
    as_json: bool = typer.Option(False, "--json", help="Print what was done as JSON."),
) -> None:
    """Make canary records, register them in the case (keyed tokens only), export them."""
    facts = api.generate_canaries(case_dir, org=org, n=n, out=output, seed=seed)
    if as_json:
        print_json(facts)
    err.print(f"registered {facts['count']} canaries under {facts['org']} "
              f"({facts['total']} in all); wrote {output}: send it to the organisation "
              "over a secure channel and keep no other copy")


@app.command("list")
def list_(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List the case's canaries per organisation (ids and planting dates, no values)."""
    from rich.table import Table

    doc = api.list_canaries(case_dir)
    if as_json:
        print_json(doc)
        return
    table = Table(title="canary records")
    for col in ("organisation", "canaries", "planted"):
        table.add_column(col)
    for o in doc["organisations"]:
        dates = sorted({c["planted"] for c in o["canaries"]})
        table.add_row(o["org"], str(o["count"]), ", ".join(dates))
    out.print(table)

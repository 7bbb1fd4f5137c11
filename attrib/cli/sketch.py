"""``attrib sketch FILE --kit KIT ...`` and ``attrib sketch info SKETCH``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from attrib import api, engines, kit
from attrib.cli.render import err, out, print_json
from attrib.engines import EngineName


class _DefaultToMake(TyperGroup):
    """``attrib sketch FILE ...`` runs ``make``; ``attrib sketch info ...`` runs ``info``."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["make", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(cls=_DefaultToMake, no_args_is_help=True,
                  help="Sketch a snapshot with a case kit (run by the organisation), or "
                  "describe a sketch file.")


@app.command("make")
def make(
    file: Path = typer.Argument(..., help="The snapshot file, a folder of part files, or "
                                "(with --engine spark) a URL Spark can read."),
    kit_path: Path = typer.Option(..., "--kit", help="Kit from 'attrib case export-kit'."),
    org: str = typer.Option(..., help="Organisation identifier, e.g. insurer_a."),
    snapshot: str = typer.Option(..., help="Date the data was held, YYYY-MM-DD."),
    output: Path = typer.Option(..., "-o", "--output", help="The .sketch file to write."),
    map_: list[str] = typer.Option(None, "--map", help="Force a column's kind: COLUMN=KIND."),
    sheet: str = typer.Option(None, help="XLSX sheet (default: the one with most rows)."),
    exact: bool = typer.Option(False, "--exact/--no-exact", help="Also include every keyed "
                               "token (reveals more to the key holder)."),
    batch_rows: int = typer.Option(None, help="Rows read per batch (bounds memory; "
                                   "default 500,000 for a Parquet file of up to 20 million "
                                   "rows, else 250,000)."),
    max_rows: int = typer.Option(None, help="Refuse files with more rows than this."),
    engine: EngineName = typer.Option(EngineName.local, "--engine", help="Where to sketch: "
                                      "local (this process) or spark (PySpark; same bytes)."),
    master: str = typer.Option(None, "--master", help="Spark master URL for --engine spark, "
                               "e.g. local[4], spark://host:7077, yarn (default: spark-submit's, "
                               "else local[*])."),
) -> None:
    """Sketch a snapshot with a case kit (what an organisation runs on its own data)."""
    runner = engines.get_engine(engine.value, master=master)
    sk = kit.sketch_with_kit(file, kit_path, output, org=org, snapshot=snapshot,
                             mapping=api.parse_mapping(map_), sheet=sheet, exact=exact,
                             batch_rows=batch_rows, max_rows=max_rows, progress=True,
                             engine=runner)
    err.print(f"wrote {output}: {sk.rows} rows of {file.name}, "
              f"{sum(a.size for a in sk.sampled.values())} sampled tokens")


@app.command("info")
def info(
    sketch_file: Path = typer.Argument(..., help="A .sketch file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Describe a sketch: parameters, provenance, sizes (never personal data)."""
    summary = kit.sketch_summary(kit.read_sketch_file(sketch_file))
    if as_json:
        print_json(summary)
        return
    from rich.table import Table

    t = Table(title=str(sketch_file), show_header=False)
    t.add_column("", style="bold")
    t.add_column("")
    for k in ("kind", "org", "snapshot", "tool_version"):
        t.add_row(k, str(summary[k]))
    for k, v in summary["params"].items():
        t.add_row(f"param {k}", str(v))
    for k, v in summary["input"].items():
        t.add_row(f"input {k}", str(v))
    t.add_row("kinds", ", ".join(summary["kinds"]))
    for k, v in summary["counts"].items():
        t.add_row(f"count {k}", str(v))
    t.add_row("sampled tokens", str(sum(summary["sampled_tokens"].values())))
    if summary["exact_tokens"] is not None:
        t.add_row("exact tokens", str(sum(summary["exact_tokens"].values())))
    out.print(t)

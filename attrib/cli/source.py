"""``attrib source ...``: add organisations' snapshots to a case."""

from __future__ import annotations

from pathlib import Path

import typer

from attrib import api, engines
from attrib.cli.render import err
from attrib.engines import EngineName

app = typer.Typer(help="Add organisations' customer snapshots to a case.", no_args_is_help=True)


@app.command("add")
def add(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    file: Path = typer.Argument(..., help="The snapshot: .csv .tsv .jsonl .json .parquet .xlsx, "
                                "a folder of part files, or (--engine spark) a URL."),
    org: str = typer.Option(..., help="Organisation identifier, e.g. insurer_a."),
    snapshot: str = typer.Option(..., help="Date the data was held, YYYY-MM-DD."),
    map_: list[str] = typer.Option(None, "--map", help="Force a column's kind: COLUMN=KIND."),
    sheet: str = typer.Option(None, help="XLSX sheet (default: the one with most rows)."),
    exact: bool = typer.Option(True, "--exact/--no-exact", help="Also keep every keyed token "
                               "(the exact tier for small leaks)."),
    max_rows: int = typer.Option(None, help="Refuse files with more rows than this."),
    engine: EngineName = typer.Option(EngineName.local, "--engine", help="Where to sketch: "
                                      "local (this process) or spark (PySpark; same bytes)."),
    master: str = typer.Option(None, "--master", help="Spark master URL for --engine spark, "
                               "e.g. local[4], spark://host:7077, yarn (default: spark-submit's, "
                               "else local[*])."),
) -> None:
    """Sketch an organisation's snapshot (keyed tokens only) into the case."""
    runner = engines.get_engine(engine.value, master=master)
    entry = api.add_source(case_dir, file, org=org, snapshot=snapshot,
                           mapping=api.parse_mapping(map_), sheet=sheet, exact=exact,
                           max_rows=max_rows, engine=runner)
    err.print(f"added source {entry['id']}: {entry['rows']} rows from {file.name} "
              f"(sha256 {entry['input']['sha256'][:16]}…)")


@app.command("import")
def import_(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    sketch_file: Path = typer.Argument(..., help="A .sketch file made with this case's kit."),
) -> None:
    """Verify an organisation's sketch and add it as a source snapshot."""
    from attrib import kit

    entry = kit.import_sketch(case_dir, sketch_file)
    err.print(f"imported source {entry['id']}: {entry['rows']} rows (sketch "
              f"{entry['sketch_sha256'][:16]}…)")

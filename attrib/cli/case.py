"""``attrib case ...``: create and inspect case folders."""

from __future__ import annotations

from pathlib import Path

import typer

from attrib import api
from attrib.case import DEFAULT_NUM_PERM, DEFAULT_POPULATION, DEFAULT_SCALE
from attrib.cli.render import err

app = typer.Typer(help="Create and inspect case folders.", no_args_is_help=True)


@app.command("init")
def init(
    case_dir: Path = typer.Argument(..., help="Folder to create for the case."),
    scale: int = typer.Option(DEFAULT_SCALE, help="FracMinHash scale s: sketches keep 1/s "
                              "of the tokens."),
    num_perm: int = typer.Option(DEFAULT_NUM_PERM, help="MinHash permutations of the "
                                 "fingerprint."),
    population: int = typer.Option(DEFAULT_POPULATION, help="Size of the population outside "
                                   "records are drawn from."),
    examiner: str = typer.Option(None, help="Examiner named in reports."),
) -> None:
    """Create a case folder with a new secret key (mode 0600)."""
    case = api.create_case(case_dir, scale=scale, num_perm=num_perm, population=population,
                           examiner=examiner)
    err.print(f"created case {case.case_id} in {case.path} (key id {case.params.key_id})")


@app.command("export-kit")
def export_kit(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    output: Path = typer.Option(..., "-o", "--output", help="Kit file to write (mode 0600)."),
) -> None:
    """Write the kit an organisation needs to sketch its own data for this case."""
    from attrib import kit

    kit.export_kit(case_dir, output)
    err.print(f"wrote {output}: key material for this case; send it to the organisation "
              "over a secure channel")



# -- attrib case log --------------------------------------------------------------------

from typing import Any  # noqa: E402  (kept with the command that uses it)


def _summary(d: dict[str, Any], limit: int = 60) -> str:
    """A dict as ``k=v`` pairs on one line, shortened: the table is for reading, --json
    for the full record."""
    text = ", ".join(f"{k}={v}" for k, v in d.items() if v not in (None, {}, [], ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _audit_table(doc: dict[str, Any]) -> Any:
    """The audit log as a table: one row per entry, tampered entries marked."""
    from rich.table import Table

    bad = {int(p.split(":")[0].split()[1]) for p in doc["problems"]}
    table = Table(title=f"audit log of case {doc['case_id']}")
    for col in ("#", "time (UTC)", "command", "parameters", "outputs", "hash", "chain"):
        table.add_column(col)
    for i, e in enumerate(doc["entries"], start=1):
        table.add_row(str(e.get("seq", i)), str(e.get("time", "")), str(e.get("command", "?")),
                      _summary(e.get("params") or {}), _summary(e.get("outputs") or {}),
                      str(e.get("hash", ""))[:12], "BROKEN" if i in bad else "ok")
    return table


@app.command("log")
def log(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the entries and the chain's "
                                 "state as JSON."),
) -> None:
    """Show the case's audit log and check its hash chain (exit 5 if tampered with)."""
    import sys

    from attrib.cli.render import out, print_json
    from attrib.errors import IntegrityError

    doc = api.case_log(case_dir)
    if as_json:
        print_json(doc)
    else:
        out.print(_audit_table(doc))
    if doc["intact"]:
        err.print(f"audit log intact: {len(doc['entries'])} entries, hash chain verified",
                  soft_wrap=True)
        return
    log_path = Path(case_dir) / "audit.jsonl"
    for line in doc["problems"][:-1]:
        sys.stderr.write(f"attrib: error: {log_path}: {line}\n")
    raise IntegrityError(f"{log_path}: {doc['problems'][-1]}")

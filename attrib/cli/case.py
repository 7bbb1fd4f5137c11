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

"""The typer application and its command groups."""

from __future__ import annotations

import typer

from attrib import __version__

app = typer.Typer(
    name="attrib",
    help="Attribute a leaked list of personal records to the institution (and period) it "
    "came from, and write an evidence report.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"attrib {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug",
                               help="On an internal error, print where it happened (redacted)."),
) -> None:
    """attrib: leak-list attribution forensics."""


from attrib.cli import attribute as _attribute  # noqa: E402,F401
from attrib.cli import canary as _canary  # noqa: E402
from attrib.cli import case as _case  # noqa: E402
from attrib.cli import key as _key  # noqa: E402
from attrib.cli import leaks as _leaks  # noqa: E402
from attrib.cli import report as _report  # noqa: E402,F401
from attrib.cli import sketch as _sketch  # noqa: E402
from attrib.cli import source as _source  # noqa: E402

app.add_typer(_case.app, name="case")
app.add_typer(_canary.app, name="canary")
app.add_typer(_key.app, name="key")
app.add_typer(_leaks.app, name="leaks")
app.add_typer(_source.app, name="source")
app.add_typer(_sketch.app, name="sketch")

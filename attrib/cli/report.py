"""``attrib report`` (evidence reports and signed bundles) and ``attrib verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from attrib import api
from attrib.cli.app import app
from attrib.cli.render import err, out, print_json
from attrib.errors import IntegrityError, UsageError


@app.command("report")
def report(
    case_dir: Path = typer.Argument(..., help="The case folder."),
    result: Path = typer.Argument(..., help="A result JSON from 'attrib attribute --json' "
                                  "or the case's results/ folder."),
    fmt: str = typer.Option("html", "--format", help="Format of -o: html, md, json, case "
                            "(CASE/UCO JSON-LD) or pdf (needs a local Chromium)."),
    output: Path = typer.Option(None, "-o", "--output", help="Report file to write."),
    bundle: Path = typer.Option(None, "--bundle", help="Also write a signed BagIt bundle "
                                "(every format + the result) into this new folder."),
    key: Path = typer.Option(None, "--key", help="Examiner's private key for --bundle "
                             "(default: $ATTRIB_EXAMINER_KEY or ~/.config/attrib/examiner.key)."),
    examiner: str = typer.Option(None, help="Examiner named in the report (default: the "
                                 "case's)."),
    reveal: bool = typer.Option(False, "--reveal", help="Show the evidence rows' values "
                                "(personal data; needs --leak)."),
    leak: Path = typer.Option(None, "--leak", help="The leaked file, to read the evidence "
                              "rows from with --reveal (its SHA-256 is checked)."),
) -> None:
    """Write the evidence report of a result (-o FILE) and/or a signed bundle (--bundle DIR)."""
    if output is None and bundle is None:
        raise UsageError("nothing to write: give -o FILE and/or --bundle DIR")
    if output is not None:
        path = api.make_report(case_dir, result, fmt, output, examiner=examiner, reveal=reveal,
                               leak=leak)
        err.print(f"wrote {path}", soft_wrap=True)
    if bundle is not None:
        facts = api.make_bundle(case_dir, result, bundle, examiner=examiner, reveal=reveal,
                                leak=leak, key=key)
        err.print(f"wrote bundle {facts['folder']} ({len(facts['files'])} files, signed by "
                  f"{facts['key']})", soft_wrap=True)
    if reveal:
        err.print("warning: the report contains personal data (--reveal)", soft_wrap=True)


@app.command("verify")
def verify(
    bundle_dir: Path = typer.Argument(..., help="A bundle from 'attrib report --bundle'."),
    key: Path = typer.Option(None, "--key", help="Public key the bundle must be signed with "
                             "(else the key embedded in the bundle is used)."),
    as_json: bool = typer.Option(False, "--json", help="Print the outcome as JSON."),
) -> None:
    """Check every hash and the signature of a bundle; exit 5 naming each problem."""
    outcome = api.verify_report_bundle(bundle_dir, key=key)
    if as_json:
        print_json(outcome)
    elif outcome["intact"]:
        out.print(f"{bundle_dir}: intact: {outcome['payload_files']} payload files match the "
                  f"signed manifest; signed by {outcome['key']}", soft_wrap=True)
    if outcome["intact"]:
        return
    problems = outcome["problems"]
    for line in problems[:-1]:
        sys.stderr.write(f"attrib: error: {bundle_dir}: {line}\n")
    raise IntegrityError(f"{bundle_dir}: {problems[-1]}")

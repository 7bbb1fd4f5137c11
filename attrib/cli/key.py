"""``attrib key ...``: the examiner's signing key for evidence bundles."""

from __future__ import annotations

from pathlib import Path

import typer

from attrib import api
from attrib.cli.render import err, out, print_json

app = typer.Typer(help="Create and show the examiner's Ed25519 signing key.",
                  no_args_is_help=True)


@app.command("create")
def create(
    output: Path = typer.Option(None, "--out", help="Private key file to create (mode 0600; "
                                "default: $ATTRIB_EXAMINER_KEY or "
                                "~/.config/attrib/examiner.key). The public key goes beside "
                                "it as .pub."),
) -> None:
    """Create a new examiner key pair (never overwrites an existing key)."""
    files = api.create_examiner_key(output)
    out.print(files["fingerprint"])
    err.print(f"wrote {files['private']} (private, mode 0600; keep it secret) and "
              f"{files['public']} (public)", soft_wrap=True)


@app.command("show")
def show(
    key: Path = typer.Option(None, "--key", help="Private or public key file (default: the "
                             "examiner's key)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the fingerprint of the examiner's key."""
    info = api.examiner_key_info(key)
    if as_json:
        print_json(info)
    else:
        out.print(info["fingerprint"])

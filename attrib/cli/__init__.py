"""The ``attrib`` command line: parse, call attrib.api, render, exit code.

Only this package turns exceptions into messages. A message is one line on stderr;
tracebacks appear only with ``--debug`` and then without exception messages or local
variables, which could hold personal data.
"""

from __future__ import annotations

import sys
import traceback

import typer
from typer.exceptions import TyperException

from attrib.cli import app as _app_module
from attrib.errors import AttribError

app = _app_module.app


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``attrib`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        app(args=args, prog_name="attrib", standalone_mode=False)
    except AttribError as exc:
        _fail(str(exc), exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("aborted", 130)
    except TyperException as exc:  # usage errors: typer prints them with the usage line
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        sys.exit(getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        _fail("interrupted; the case is unchanged by the interrupted command", 130)
    except MemoryError:
        _fail("out of memory; use a smaller --batch-rows or a machine with more memory", 1)
    except Exception as exc:  # noqa: BLE001 - last line of defence: never a raw traceback
        if debug:
            # Frames and code lines only: exception messages may quote personal data.
            sys.stderr.write("".join(traceback.format_tb(exc.__traceback__)))
        _fail(f"internal error ({type(exc).__name__}); please report it, rerun with --debug "
              "for the location", 70)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"attrib: error: {message}\n")
    sys.exit(code)


__all__ = ["app", "main", "typer"]

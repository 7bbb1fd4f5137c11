"""The ``attrib`` command line: parse, call attrib.api, render, exit code.

Only this package turns exceptions into messages. A message is one line on stderr;
tracebacks appear only with ``--debug`` and then without exception messages or local
variables, which could hold personal data: only the frames' files, lines, functions
and code lines (attrib's and its libraries' source, never data) and the exception's
class name. Python warnings are redacted the same way.
"""

from __future__ import annotations

import atexit
import gc
import sys
import traceback
import warnings
from typing import Any, NoReturn

import typer
from typer.exceptions import TyperException

from attrib.cli import app as _app_module
from attrib.errors import AttribError

app = _app_module.app

#: Exit code of an unexpected error (EX_SOFTWARE).
INTERNAL = 70
INTERRUPTED = ("interrupted; the case keeps its last complete state (the next command "
               "finishes or undoes the interrupted change)")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``attrib`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None:  # the console script, not a caller's process
        atexit.register(_skip_final_collection)
        from attrib import api

        api.SKIP_BLAS_PROBE = True  # no thread here but attrib's (see api._without_blas_probe)
    debug = "--debug" in args
    with warnings.catch_warnings():
        warnings.showwarning = _redacted_warning(debug)
        _run(args, debug)


def _skip_final_collection() -> None:
    """At exit, exempt the live objects from the interpreter's last garbage collections.

    Registered first, so it runs after every other exit handler (temporary folders
    removed, files closed by their owners). Those collections would free, one by one,
    the memory the process is about to hand back whole: 0.2-0.3 s after sketching a
    10^7-row file.
    """
    gc.freeze()


def _run(args: list[str], debug: bool) -> None:
    try:
        code = app(args=args, prog_name="attrib", standalone_mode=False)
    except AttribError as exc:
        _fail(str(exc), exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _fail("aborted", 130)
    except TyperException as exc:  # usage errors (typer's own checks): one line too
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help is the answer
            exc.show()  # type: ignore[attr-defined]
            sys.exit(getattr(exc, "exit_code", 2))
        _fail(_usage_message(exc), getattr(exc, "exit_code", 2))
    except KeyboardInterrupt:
        _fail(INTERRUPTED, 130)
    except MemoryError:
        _fail("out of memory; use a smaller --batch-rows, --max-rows, or a machine with more "
              "memory", 1)
    except (SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: B036 - last line of defence, incl. Rust panics
        # pyo3's PanicException derives from BaseException, not Exception: without this
        # clause Python would print it whole, message (maybe quoting data) included.
        if debug:
            sys.stderr.write(redacted_traceback(exc))
        _fail(f"internal error ({type(exc).__name__}); please report it, rerun with --debug "
              "for the location", INTERNAL)
    # Without standalone mode, typer turns Ctrl-C into a *returned* 130 (and an explicit
    # typer.Exit into its code): an interrupted command must not exit 0.
    if code == 130:
        _fail(INTERRUPTED, 130)
    if isinstance(code, int) and code:
        sys.exit(code)


def _usage_message(exc: TyperException) -> str:
    """A usage error as one line: typer's message and where to find help."""
    format_message = getattr(exc, "format_message", None)
    message = (format_message() if format_message else str(exc)).strip().rstrip(".")
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        message += f"; see '{ctx.command_path} --help'"
    return message


def redacted_traceback(exc: BaseException) -> str:
    """Where ``exc`` was raised: frames and code lines, no message, no local variables.

    Chained exceptions (``__cause__``/``__context__``) are left out: their messages
    and frames belong to library code that may have quoted a cell.
    """
    lines = ["Traceback (most recent call last; exception message redacted):\n"]
    lines += traceback.format_list(traceback.extract_tb(exc.__traceback__, limit=None))
    lines.append(f"{type(exc).__module__}.{type(exc).__qualname__}\n")
    return "".join(lines)


def _redacted_warning(debug: bool) -> Any:
    """A ``warnings.showwarning`` that never prints a warning's message (it may quote
    input data): with ``--debug`` its category and location, else nothing."""

    def show(message: Any, category: type[Warning], filename: str, lineno: int,
             file: Any = None, line: str | None = None) -> None:
        if debug:
            sys.stderr.write(f"attrib: warning: {category.__name__} at {filename}:{lineno} "
                             "(message redacted)\n")

    return show


def one_line(message: str) -> str:
    """``message`` with every control or line-breaking character escaped.

    File names come from users and from folders an attacker may fill: a name with a
    newline or a terminal escape must not split the message or drive the terminal.
    """
    out = []
    for ch in message:
        code = ord(ch)
        if code < 0x20 or 0x7F <= code < 0xA0 or ch in "\u2028\u2029":
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            out.append(ch)
    return "".join(out)


def _fail(message: str, code: int) -> NoReturn:
    sys.stderr.write(f"attrib: error: {one_line(message)}\n")
    sys.exit(code)


__all__ = ["app", "main", "one_line", "redacted_traceback", "typer"]

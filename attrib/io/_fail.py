"""Turning every failure into a one-line InputError that names the file and no data."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import contextmanager

import fastexcel
import polars as pl
import pyarrow as pa

from attrib.errors import InputError

# Exceptions the readers' libraries raise on bad input. Their messages often quote the
# offending bytes or cells (polars does), so only the exception's class name is kept.
LIBRARY_ERRORS: tuple[type[BaseException], ...] = (
    pl.exceptions.PolarsError,
    pl.exceptions.PanicException,  # a pyo3 panic derives from BaseException
    pa.ArrowException,
    fastexcel.FastExcelError,
    UnicodeError,
    json.JSONDecodeError,
    csv.Error,
    OSError,
    ValueError,
    OverflowError,
    MemoryError,
)


def fail(path: str, problem: str) -> InputError:
    """Build the InputError for ``path``; the caller raises it ``from None``.

    Args:
        path: The file, as the user named it.
        problem: What is wrong, without any value read from the file.

    Returns:
        An InputError whose message is ``"<path>: <problem>"`` on one line.
    """
    line = f"{path}: {problem}"
    return InputError(" ".join(line.split()))


@contextmanager
def translated(path: str, problem: str) -> Iterator[None]:
    """Re-raise any library error inside the block as ``fail(path, problem)``.

    The original exception is dropped (``from None``) so that neither its message nor
    its traceback, which may quote file contents, reaches the user.

    Args:
        path: The file being read.
        problem: The one-line description to report, e.g. "not a valid Parquet file".
    """
    try:
        yield
    except InputError:
        raise
    except LIBRARY_ERRORS as exc:
        del exc  # its message may quote the file's contents
        raise fail(path, problem) from None

"""Reading input files of every supported format and encoding into frames of strings.

Public interface (see docs/architecture.md):

* :func:`read_table` -- a whole file as a polars frame whose columns are all String;
* :func:`iter_batches` -- the same, streamed in fixed-size batches;
* :func:`sha256_file` -- a streaming SHA-256;
* :class:`TableInfo` -- what was read and how (format, encoding, header, notes).

Every failure is an :class:`attrib.errors.InputError` with a one-line message naming
the file and never quoting its contents.
"""

from attrib.io.files import sha256_file
from attrib.io.info import TableInfo
from attrib.io.reader import iter_batches, read_table

__all__ = ["TableInfo", "iter_batches", "read_table", "sha256_file"]

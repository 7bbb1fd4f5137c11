"""The Spark engine: the same sketch kernel, per partition, on Apache Spark executors.

How a sketch is made (see docs/scale.md for running it on a cluster):

1. The driver describes the input as the local engine does: for local files and
   folders through ``attrib.io`` (file facts, encoding, delimiter, header, and the
   first batch, on which column kinds are decided with the same ``--batch-rows``);
   for URLs Spark can read (``hdfs://``, ``s3a://``, ``file://``) through Hadoop's
   file system API (see :func:`describe_url`).
2. Spark reads the CSV/TSV or Parquet parts, every column as text (CSV) or as stored
   (Parquet, turned into strings on the executor by attrib's own rules, so a number
   or a date reads exactly as the local engine reads it).
3. ``mapInArrow`` runs :func:`attrib.engines.kernel.partition_kernel` on each
   partition: normalise, keyed tokens, ``build_sketch``, plus sealed row digests.
4. The digests are repartitioned by value and counted per partition (the exact
   duplicate count); the partial sketches are collected and merged on the driver with
   ``merge_sketches``, and the sketch gets the same metadata as the local engine's.

The case key travels only inside the pickled task closure (the :class:`Plan`): never
in Spark conf (which spark-submit passes on the command line and the UI shows), in a
job description or in a log line.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from attrib import api
from attrib.engines import inputs
from attrib.engines.kernel import (
    COUNTED_SCHEMA,
    PARTIAL_SCHEMA,
    Plan,
    Reading,
    bound_kernel,
    count_kernel,
    to_frame,
)
from attrib.errors import AttribError, InputError, UsageError
from attrib.fields import ColumnKind, detect_columns, normalise
from attrib.io import TableInfo, iter_batches
from attrib.io.files import format_of
from attrib.io.header import column_names
from attrib.sketch import Sketch, SketchParams, from_bytes, merge_sketches
from attrib.tokens import CaseKey

INSTALL_HINT = "the Spark engine needs PySpark: pip install 'attrib[spark]'"
TEXT_FORMATS = ("csv", "tsv")
#: attrib's encoding names -> Java charsets Spark's CSV reader decodes line by line.
CHARSETS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "gb18030": "GB18030", "cp950": "x-windows-950"}
#: Bytes of a remote text file read to sniff its encoding, delimiter and header.
HEAD_BYTES = 1 << 20
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"([\\\[\]{}*?])")
#: The line of a Python traceback that names the exception raised.
_RAISED = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception): ")
_QUIET_LOG = Path(__file__).with_name("log4j2-quiet.properties")


def require_pyspark() -> Any:
    """Import PySpark's SparkSession, or explain how to install it.

    Raises:
        UsageError: PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return SparkSession


def is_url(path: str | Path) -> bool:
    """True for ``scheme://...`` inputs, which Spark (Hadoop) opens, not this process."""
    return bool(_URL.match(str(path)))


@dataclass(frozen=True)
class InputSpec:
    """An input as the driver described it before Spark reads it.

    Attributes:
        uris: The part files, as Spark paths (glob characters escaped).
        info: File facts (for a URL, ``rows`` is filled in after the job).
        first: The first batch, on which column kinds are decided.
        reading: How Spark's batches become attrib's String frames.
        label: The input as the user named it (for messages).
    """

    uris: list[str]
    info: TableInfo
    first: pl.DataFrame
    reading: Reading
    label: str

    @property
    def text(self) -> bool:
        return self.info.format in TEXT_FORMATS


class SparkEngine:
    """Sketch on Apache Spark (a cluster, or ``local[N]`` on one machine).

    Args:
        master: Spark master URL. Default: the master spark-submit was given, else
            ``local[*]``.
    """

    name = "spark"

    def __init__(self, master: str | None = None) -> None:
        require_pyspark()
        self.master = master

    def sketch(
        self,
        path: Path,
        key: CaseKey,
        params: SketchParams,
        *,
        kind: str,
        meta: dict[str, Any],
        mapping: Mapping[str, str] | None = None,
        sheet: str | None = None,
        exact: bool,
        max_rows: int | None = None,
        batch_rows: int | None = None,
        progress: bool = False,
    ) -> Sketch:
        """Sketch a file, folder or URL (see ``attrib.engines.Engine``)."""
        if kind != "source":
            raise UsageError("the Spark engine sketches source snapshots only; "
                             "sketch leaks with the local engine")
        rows_per_batch = batch_rows or api.DEFAULT_BATCH_ROWS
        # Local inputs are described (and refused) before Spark starts: that takes seconds.
        spec = None if is_url(path) else describe_local(Path(path), rows_per_batch, max_rows)
        try:
            with warnings.catch_warnings(), spark_session(self.master) as spark:
                warnings.simplefilter("ignore", FutureWarning)  # PySpark's pandas notice
                if spec is None:
                    spec = describe_url(spark, str(path), rows_per_batch)
                columns = detect_columns(spec.first.head(api.DETECT_ROWS), overrides=mapping)
                api._require_identifiers(Path(spec.label), normalise(spec.first, columns))
                plan = Plan(key=key, params=params, kind=kind, exact=exact,
                            columns=tuple(columns), reading=spec.reading,
                            batch_rows=rows_per_batch)
                parts, dupes = run_checked(spark, spec, plan)
        except AttribError:
            raise
        except Exception as exc:  # noqa: BLE001 - Spark's errors become one line
            raise job_error(exc) from None
        return assemble(spec, columns, parts, dupes, meta=meta, max_rows=max_rows)


def assemble(spec: InputSpec, columns: list[ColumnKind], parts: list[Sketch], dupes: int, *,
             meta: dict[str, Any], max_rows: int | None) -> Sketch:
    """Merge the partial sketches and set the metadata exactly as the local engine does."""
    info = spec.info
    if is_url(spec.label):  # only the job counted a URL's rows
        info = replace(info, rows=_rows(parts))
    inputs.check_max_rows(spec.label, info.rows, max_rows)
    quality = api.merge_quality([p.meta["quality"] for p in parts])
    quality["duplicate_rows"] = dupes
    return merge_sketches(parts).with_meta(**meta, **api._table_meta(info, columns, quality))


class SparkJobError(AttribError):
    """Spark could not start or the job failed; the message says where to look."""

    exit_code = 1


def job_error(exc: Exception) -> SparkJobError:
    """One line for a Spark failure (a worker's traceback is reduced to its last line)."""
    text = str(exc)
    if "No module named 'attrib'" in text:
        return SparkJobError("Spark's Python workers cannot import attrib; install attrib in "
                             "the executors' Python environment (see docs/scale.md)")
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    raised = [ln for ln in lines if _RAISED.match(ln)]
    detail = (raised[-1] if raised else lines[0] if lines else "")[:300]
    return SparkJobError(f"the Spark job failed ({type(exc).__name__}: {detail}); "
                         "the Spark logs have the details")


# --- describing the input on the driver ------------------------------------------------


def spark_path(path: Path) -> str:
    """A local path as a Spark path: absolute ``file:`` URL, glob characters escaped."""
    return "file://" + _GLOB.sub(r"\\\1", str(Path(path).resolve()))


def describe_local(path: Path, batch_rows: int, max_rows: int | None) -> InputSpec:
    """Describe a local file or folder exactly as the local engine reads it."""
    files = inputs.part_files(path) if inputs.is_folder(path) else [path]
    for name in files:  # before hashing gigabytes only to refuse them
        check_format(str(path), _format(str(path), str(name)))
    if inputs.is_folder(path):
        reader = inputs.FolderReader(path, batch_rows=batch_rows, max_rows=max_rows)
        first = reader.scan()
        info, files = reader.info(), reader.files
    else:
        info, frames = iter_batches(path, batch_rows=batch_rows)
        inputs.check_max_rows(path, info.rows, max_rows)
        first, files = next(frames), [path]
        close = getattr(frames, "close", None)
        if close is not None:
            close()
    check_readable(str(path), info)
    return InputSpec(uris=[spark_path(f) for f in files], info=info, first=first,
                     reading=reading_for(info), label=str(path))


def check_format(label: str, fmt: str) -> None:
    """Refuse a format Spark's readers do not read the way attrib does.

    Raises:
        UsageError: Not CSV/TSV/TXT or Parquet.
    """
    if fmt not in (*TEXT_FORMATS, "txt", "parquet"):
        raise UsageError(f"{label}: the Spark engine reads CSV, TSV and Parquet, not "
                         f"{fmt}; use --engine local")


def check_readable(label: str, info: TableInfo) -> None:
    """Refuse what Spark's readers cannot read the way attrib does.

    Raises:
        UsageError: Not CSV/TSV/Parquet, or a text encoding Spark cannot split by line.
    """
    check_format(label, info.format)
    if info.format in TEXT_FORMATS and info.encoding not in CHARSETS:
        raise UsageError(f"{label}: the Spark engine cannot read {info.encoding} text line by "
                         "line; re-save it as UTF-8 or use --engine local")


def reading_for(info: TableInfo) -> Reading:
    """How Spark's batches of this input become attrib's frames."""
    return Reading(names=tuple(info.columns), text=info.format in TEXT_FORMATS,
                   strip_bom=info.encoding == "utf-8-sig")


# --- the Spark session -----------------------------------------------------------------


@contextmanager
def spark_session(master: str | None) -> Iterator[Any]:
    """The active Spark session, or a new one stopped on exit.

    Under spark-submit the master comes from spark-submit; otherwise ``master`` or
    ``local[*]``. A local master gets this environment's Python for its workers, no
    web UI and quiet logs.
    """
    session_cls = require_pyspark()
    active = session_cls.getActiveSession()
    if active is not None:
        yield configure(active)
        return
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM
    master = master or (None if submitted else "local[*]")
    builder = session_cls.builder.appName("attrib")
    if master:
        builder = builder.master(master)
    if master and master.startswith("local"):
        # Local workers run this Python, which has attrib (PySpark reads only the
        # environment variable here, not spark.pyspark.python).
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (builder.config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   # PySpark's workers warn about the pandas version on every task.
                   .config("spark.executorEnv.PYTHONWARNINGS", "ignore::FutureWarning")
                   .config("spark.driver.extraJavaOptions",
                           f"-Dlog4j2.configurationFile={_QUIET_LOG.as_uri()}"))
    spark = builder.getOrCreate()
    if master and master.startswith("local"):
        spark.sparkContext.setLogLevel("ERROR")
    try:
        yield configure(spark)
    finally:
        spark.stop()


def configure(spark: Any) -> Any:
    """Session settings the engine's parity with the local engine depends on."""
    # Timestamps become text in UTC, as pyarrow reads them from Parquet.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # Parquet columns differing only in case are distinct columns to attrib.
    spark.conf.set("spark.sql.caseSensitive", "true")
    # Spark 4 decodes only Unicode and Latin-1 text unless told otherwise (GB18030).
    spark.conf.set("spark.sql.legacy.javaCharsets", "true")
    return spark


# --- reading and running ---------------------------------------------------------------


def csv_options(info: TableInfo, *, multiline: bool) -> dict[str, str]:
    """Spark CSV options that split fields the way attrib's CSV reader does."""
    return {
        "header": "true" if info.has_header else "false",  # drops each part's first line
        "sep": info.delimiter or ",",
        "quote": '"',
        "escape": '"',  # RFC 4180: a quote inside quotes is doubled
        "encoding": CHARSETS[info.encoding or "utf-8"],
        "multiLine": "true" if multiline else "false",
        "mode": "PERMISSIVE",
        "enforceSchema": "true",
        "nullValue": "",
        "ignoreLeadingWhiteSpace": "false",
        "ignoreTrailingWhiteSpace": "false",
        "unescapedQuoteHandling": "STOP_AT_DELIMITER",  # a stray quote is text
        "maxCharsPerColumn": "-1",
    }


def read(spark: Any, spec: InputSpec, uris: list[str], *, multiline: bool = False) -> Any:
    """A DataFrame of the parts: every CSV column as a string, Parquet as stored."""
    if not spec.text:
        return spark.read.parquet(*uris)
    from pyspark.sql.types import StringType, StructField, StructType

    width = len(spec.info.columns)
    schema = StructType([StructField(f"c{i}", StringType()) for i in range(width)])
    options = csv_options(spec.info, multiline=multiline)
    return spark.read.schema(schema).options(**options).csv(uris)


def run_checked(spark: Any, spec: InputSpec, plan: Plan) -> tuple[list[Sketch], int]:
    """Run the job; re-read CSV whole-file if Spark's line splitting lost records.

    Spark splits a CSV file at line breaks, which breaks a quoted field holding a line
    break into two records. The driver knows attrib's record count for local inputs,
    so a difference means such fields: the file is read again without splitting.
    """
    parts, dupes = run(spark, spec, plan)
    if is_url(spec.label):
        return parts, dupes
    if spec.text and _rows(parts) != spec.info.rows:
        parts, dupes = run(spark, spec, plan, multiline=True)
    if _rows(parts) != spec.info.rows:
        raise InputError(f"{spec.label}: Spark read {_rows(parts)} rows where attrib reads "
                         f"{spec.info.rows}; sketch it with --engine local")
    return parts, dupes


def _rows(parts: list[Sketch]) -> int:
    return sum(p.rows for p in parts)


def run(spark: Any, spec: InputSpec, plan: Plan, *, multiline: bool = False
        ) -> tuple[list[Sketch], int]:
    """One Spark job: partial sketches per partition, duplicate count across them."""
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch",
                   str(min(plan.batch_rows, 100_000)))
    frame = read(spark, spec, spec.uris, multiline=multiline)
    partials = frame.mapInArrow(bound_kernel(plan), PARTIAL_SCHEMA)
    counted = partials.repartition("digest").mapInArrow(count_kernel, COUNTED_SCHEMA)
    rows = counted.collect()
    parts = [from_bytes(bytes(r["part"]), name="partial sketch")
             for r in rows if r["part"] is not None]
    if not parts:
        raise InputError(f"{spec.label}: no data rows")
    return parts, sum(int(r["dupes"]) for r in rows if r["dupes"] is not None)


# --- URLs: facts through Hadoop's file system API --------------------------------------


def describe_url(spark: Any, url: str, batch_rows: int) -> InputSpec:
    """Describe a file or folder Spark opens (``hdfs://``, ``s3a://``, ``file://``).

    The same facts as for a local input, gathered without copying the data here:
    parts are listed and hashed (SHA-256, streamed inside the JVM) through Hadoop's
    file system API; a text file's encoding, delimiter and header are sniffed by
    ``attrib.io`` from its first 1 MiB; the first batch is the first ``batch_rows``
    rows Spark reads from the first part; ``rows`` is counted by the job.
    """
    hadoop = _Hadoop(spark)
    files = hadoop.parts(url)
    names = [name for name, _, _ in files]
    formats = {_format(url, n) for n in names}
    if len(formats) > 1:
        raise InputError(f"{url}: parts differ in format ({', '.join(sorted(formats))})")
    fmt = formats.pop()
    hashes = [hadoop.sha256(uri) for _, uri, _ in files]
    uris = [_GLOB.sub(r"\\\1", uri) for _, uri, _ in files]
    if fmt in TEXT_FORMATS or fmt == "txt":
        head = _sniff_head(hadoop.head(files[0][1], HEAD_BYTES), names[0],
                           truncated=files[0][2] > HEAD_BYTES)
        fmt = head.format
    else:
        head = TableInfo(path=url, format=fmt, encoding=None, delimiter=None, has_header=True,
                         sheet=None)
    parts = [TableInfo(path=n, format=fmt, encoding=head.encoding, delimiter=head.delimiter,
                       has_header=head.has_header, sheet=None, sha256=h, size_bytes=s)
             for (n, _, s), h in zip(files, hashes, strict=True)]
    info = parts[0] if len(parts) == 1 else inputs.folder_info(url, parts)
    info = replace(info, path=url, columns=head.columns)
    check_readable(url, info)
    draft = InputSpec(uris=uris, info=info, first=pl.DataFrame(), label=url,
                      reading=reading_for(info))
    first = _first_batch(spark, draft, batch_rows)
    if not info.columns:  # Parquet: names from the file's schema, as attrib.io names them
        info = replace(info, columns=column_names(first.columns))
        first = first.rename(dict(zip(first.columns, info.columns, strict=True)))
    return replace(draft, info=info, first=first, reading=reading_for(info))


def _format(label: str, name: str) -> str:
    """A part's format from its extension, as attrib.io decides it."""
    try:
        return format_of(name)
    except InputError:
        raise InputError(f"{label}: {Path(name).name} is not a CSV, TSV or Parquet file") from None


def _sniff_head(data: bytes, name: str, *, truncated: bool) -> TableInfo:
    """Encoding, delimiter, header and names of a text file, from its first bytes."""
    cut = data.rfind(b"\n")
    if truncated and cut > 0:
        data = data[:cut + 1]  # whole lines only
    with tempfile.TemporaryDirectory(prefix="attrib-head-") as tmp:
        head = Path(tmp) / Path(name).name
        head.write_bytes(data)
        info, frames = iter_batches(head, batch_rows=1)
        close = getattr(frames, "close", None)
        if close is not None:
            close()
    return info


def _first_batch(spark: Any, spec: InputSpec, batch_rows: int) -> pl.DataFrame:
    """The first ``batch_rows`` rows of the first part, as attrib's String frame."""
    frame = read(spark, spec, spec.uris[:1]).limit(batch_rows)
    batches = frame.mapInArrow(_to_ipc, "ipc binary").collect()
    tables = [pa.ipc.open_stream(bytes(r["ipc"])).read_all() for r in batches]
    if not tables or sum(t.num_rows for t in tables) == 0:
        raise InputError(f"{spec.label}: no data rows")
    table = pa.concat_tables(tables)
    # Parquet names are not known yet: keep the file's own until the caller names them.
    names = spec.reading.names or tuple(table.column_names)
    return to_frame(table, replace(spec.reading, names=names))


def _to_ipc(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Ship Arrow batches to the driver as they are (no pandas conversion)."""
    for batch in batches:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.schema) as writer:
            writer.write_batch(batch)
        yield pa.RecordBatch.from_arrays([pa.array([sink.getvalue().to_pybytes()])],
                                         names=["ipc"])


class _Hadoop:
    """Listing, hashing and head reads through the JVM's Hadoop FileSystem."""

    def __init__(self, spark: Any) -> None:
        self.jvm = spark.sparkContext._jvm
        self.conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _fs(self, url: str) -> tuple[Any, Any]:
        path = self.jvm.org.apache.hadoop.fs.Path(url)
        return path.getFileSystem(self.conf), path

    def parts(self, url: str) -> list[tuple[str, str, int]]:
        """``(name, uri, size)`` of a file, or of a folder's visible files in name order."""
        from py4j.protocol import Py4JJavaError

        fs, path = self._fs(url)
        try:
            status = fs.getFileStatus(path)
        except Py4JJavaError:
            raise InputError(f"{url}: no such file or folder (or not readable)") from None
        if not status.isDirectory():
            return [(status.getPath().getName(), status.getPath().toString(), status.getLen())]
        found = []
        for st in sorted(fs.listStatus(path), key=lambda s: s.getPath().getName()):
            name = st.getPath().getName()
            if inputs.is_hidden(name):
                continue
            if st.isDirectory():
                raise InputError(f"{url}: holds the sub-folder {name}; attrib reads the files "
                                 "directly inside a folder (give each sub-folder separately)")
            found.append((name, st.getPath().toString(), st.getLen()))
        if not found:
            raise InputError(f"{url}: no data files in the folder")
        return found

    def sha256(self, uri: str) -> str:
        """SHA-256 of a file, streamed inside the JVM (the bytes never cross to Python)."""
        fs, path = self._fs(uri)
        digest = self.jvm.java.security.MessageDigest.getInstance("SHA-256")
        stream = self.jvm.java.security.DigestInputStream(fs.open(path), digest)
        try:
            stream.transferTo(self.jvm.java.io.OutputStream.nullOutputStream())
        finally:
            stream.close()
        return bytes(digest.digest()).hex()

    def head(self, uri: str, size: int) -> bytes:
        """The first ``size`` bytes of a file."""
        fs, path = self._fs(uri)
        stream = fs.open(path)
        try:
            return bytes(stream.readNBytes(size))
        finally:
            stream.close()

"""The sketch kernel as it runs on a partition of a snapshot, away from the driver.

The driver decides everything that must be the same for every partition (column
kinds, names, how the reader's values become strings, the key and parameters) and
ships it as a :class:`Plan`. Each partition then runs exactly what
``attrib.api.sketch_frames`` runs per batch, minus the column detection:
``normalise`` -> ``build_sketch`` and ``row_digests``. It returns its partial sketch
(``to_bytes``, with the partition's quality counts in its meta) and the sealed row
digests, which the driver's engine counts across partitions for the exact duplicate
count. Partial sketches merge into the sketch of the whole (``merge_sketches``).

Nothing here logs, and failures are re-raised without their message: polars' messages
may quote a cell, and a plan's repr never shows the key.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from attrib.engines.dupes import DuplicateCounter, seal, seal_key
from attrib.fields import ColumnKind, normalise
from attrib.io.frames import drop_empty_rows, rebatch, to_strings
from attrib.sketch import SketchParams, build_sketch, merge_sketches, to_bytes
from attrib.tokens import CaseKey

#: Arrow schema of the kernel's output: one row per record (its sealed digest) and
#: one row per partition (its partial sketch).
PARTIAL_SCHEMA = "digest long, part binary"
#: Arrow schema after the duplicate count: the partial sketches and per-partition counts.
COUNTED_SCHEMA = "part binary, dupes long"


class KernelError(RuntimeError):
    """A partition failed; the message names the exception type only (no values)."""


@dataclass(frozen=True)
class Reading:
    """How a reader's Arrow batches become the String frames attrib's own reader gives.

    Attributes:
        names: Column names in reader order (the reader's own are positional).
        text: True for CSV/TSV: empty cells become null and empty rows are dropped,
            as attrib's CSV reader does; False for Parquet, whose values are turned
            into strings by attrib's own rules (``attrib.io.frames.to_strings``).
        strip_bom: Remove a leading U+FEFF from the first column (a headerless
            UTF-8 file with a byte-order mark; the reader keeps it in the first cell).
    """

    names: tuple[str, ...]
    text: bool
    strip_bom: bool = False


@dataclass(frozen=True, repr=False)
class Plan:
    """Everything a partition needs, decided once on the driver.

    Attributes:
        key: The case key (shipped inside the pickled task, never in Spark conf).
        params: Sketch parameters.
        kind: ``source``.
        exact: Also keep every token (the exact tier).
        columns: The column kinds decided on the first batch.
        reading: How the reader's batches become attrib's String frames.
        batch_rows: Rows per kernel batch on the executor.
    """

    key: CaseKey
    params: SketchParams
    kind: str
    exact: bool
    columns: tuple[ColumnKind, ...]
    reading: Reading
    batch_rows: int

    def __repr__(self) -> str:
        # The default dataclass repr would print the secret into any log line.
        return f"Plan(kind={self.kind!r}, key_id={self.params.key_id!r}, <key redacted>)"


def to_frame(batch: pa.RecordBatch | pa.Table, reading: Reading) -> pl.DataFrame:
    """Turn one Arrow batch from the reader into the String frame the local reader gives."""
    table = batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch])
    # Positional names first: the reader's may repeat (legal in Parquet, not in polars).
    table = table.rename_columns([f"c{i}" for i in range(table.num_columns)])
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    frame = to_strings(frame)
    if reading.text:
        frame = drop_empty_rows(frame)
        if reading.strip_bom and frame.height:
            frame = frame.with_columns(pl.col("c0").str.strip_prefix("\ufeff"))
    return frame.rename(dict(zip(frame.columns, reading.names, strict=True)))


def _digest_batch(digests: np.ndarray) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array(digests.view(np.int64), type=pa.int64()), pa.nulls(digests.size, pa.binary())],
        names=["digest", "part"])


def _part_batch(data: bytes) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array([None], type=pa.int64()), pa.array([data], type=pa.binary())],
        names=["digest", "part"])


def sketch_partition(frames: Iterable[pl.DataFrame], plan: Plan) -> Iterator[pa.RecordBatch]:
    """Run the kernel over one partition's frames.

    Yields:
        A batch of sealed row digests per kernel batch, then one batch holding the
        partition's partial sketch (none for an empty partition).
    """
    from attrib.api import merge_quality, row_digests

    aes_key = seal_key(plan.key)
    columns = list(plan.columns)
    partial = None
    qualities = []
    for frame in rebatch(frames, plan.batch_rows):
        norm = normalise(frame, columns, count_duplicates=False)  # the driver counts them
        qualities.append(norm.quality.to_dict())
        yield _digest_batch(seal(row_digests(norm.frame), aes_key))
        part = build_sketch(norm.frame, plan.key, plan.params, kind=plan.kind, meta={},
                            exact=plan.exact)
        partial = part if partial is None else merge_sketches([partial, part])
    if partial is not None:
        yield _part_batch(to_bytes(partial.with_meta(quality=merge_quality(qualities))))


def partition_kernel(plan: Plan, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function: reader batches in, digests and a partial sketch out."""
    try:
        yield from sketch_partition((to_frame(b, plan.reading) for b in batches), plan)
    except Exception as exc:  # noqa: BLE001 - messages may quote personal data
        raise KernelError(f"attrib kernel failed on a partition ({type(exc).__name__})") from None


def bound_kernel(plan: Plan) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """``partition_kernel`` with its plan bound, under a name Spark's plans can show.

    Spark describes a ``mapInArrow`` step by the function's name only (never its
    arguments), so the web UI reads ``attrib_partition_kernel``, not the plan.
    """

    def attrib_partition_kernel(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        return partition_kernel(plan, batches)

    return attrib_partition_kernel


def count_kernel(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The ``mapInArrow`` function after repartitioning by digest.

    Equal digests now share a partition, so counting repeats per partition and summing
    gives the exact duplicate count. Partial sketches pass through unchanged.
    """
    try:
        # Digests arrive sealed; spill next to Spark's own scratch files if it says where.
        spill = (os.environ.get("SPARK_LOCAL_DIRS") or "").split(",")[0] or None
        with DuplicateCounter(aes_key=None, spill_dir=spill) as counter:
            for batch in batches:
                digest, part = batch.column(0), batch.column(1)
                has_part = part.is_valid()
                if pc.any(has_part).as_py():
                    parts = part.filter(has_part)
                    yield pa.RecordBatch.from_arrays(
                        [parts, pa.nulls(len(parts), pa.int64())], names=["part", "dupes"])
                digests = digest.filter(digest.is_valid()).to_numpy(zero_copy_only=False)
                counter.add(digests.view(np.uint64))
            dupes = counter.count()
        yield pa.RecordBatch.from_arrays(
            [pa.nulls(1, pa.binary()), pa.array([dupes], type=pa.int64())],
            names=["part", "dupes"])
    except Exception as exc:  # noqa: BLE001 - keep executor logs free of values
        raise KernelError(f"attrib duplicate count failed ({type(exc).__name__})") from None

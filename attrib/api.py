"""The functions a Python user calls; the command line uses nothing else.

Every function takes paths and plain values, does the file-system work through
``attrib.io`` and ``attrib.case``, and returns plain data (dicts, dataclasses).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from attrib import __version__
from attrib.canary import generate_canaries, list_canaries, read_case_canaries  # noqa: F401
from attrib.case import Case, check_date, check_org, init_case, open_case, utc_now
from attrib.case.fsutil import case_lock
from attrib.engines.dupes import DuplicateCounter, seal_key
from attrib.errors import AttribError, InputError, UsageError
from attrib.fields import KINDS, ColumnKind, Normalised, detect_columns, normalise
from attrib.io import TableInfo, iter_batches, parquet, read_table
from attrib.registry import case_leak_links, register_leak, search_leak  # noqa: F401
from attrib.sketch import Sketch, SketchParams, build_sketch, merge_sketches
from attrib.sketch.core import Detail
from attrib.tokens import ANCHORS, CaseKey

if TYPE_CHECKING:
    from attrib.attribution.engine import Settings
    from attrib.engines import Engine

#: Rows per batch when streaming a file: memory is bounded by this (two batches are
#: sketched at once, and readers buffer ahead), not by the file size.
DEFAULT_BATCH_ROWS = 250_000
#: Rows per batch of a Parquet file of at most PARQUET_LARGE_ROWS rows (see
#: :func:`default_batch_rows`).
PARQUET_BATCH_ROWS = 500_000
PARQUET_LARGE_ROWS = 20_000_000
#: Column kinds are decided on the first this many rows (the first batch when batches
#: are smaller), so that larger batches do not change the decisions.
DETECT_ROWS = 250_000
#: Batches sketched at once: one per core, at most two (each holds a batch in memory).
WORKERS = max(1, min(2, os.cpu_count() or 1))
#: Batches held at once: one more than the workers, so that the next batch is read
#: while every worker is busy (reading waited for a worker to finish before).
IN_FLIGHT = WORKERS + 1
#: Batch sketches are merged in groups of this many (merging is linear in the parts).
MERGE_EVERY = 16


def parse_mapping(items: list[str] | None) -> dict[str, str]:
    """Parse ``--map COLUMN=KIND`` options into a dict."""
    mapping: dict[str, str] = {}
    for item in items or []:
        col, sep, kind = item.rpartition("=")
        if not sep or not col or not kind:
            raise UsageError(f"invalid --map {item!r}: expected COLUMN=KIND")
        kind = kind.strip().lower()
        if kind not in (*KINDS, "other"):
            raise UsageError(
                f"invalid --map {item!r}: kind must be one of {', '.join(KINDS)} or other"
            )
        mapping[col.strip()] = kind
    return mapping


def load_table(
    path: Path,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    max_rows: int | None = None,
) -> tuple[TableInfo, Normalised]:
    """Read a file, detect its column kinds and normalise it."""
    frame, info = read_table(Path(path), sheet=sheet, max_rows=max_rows)
    columns = detect_columns(frame, overrides=mapping)
    return info, normalise(frame, columns)


def _table_meta(info: TableInfo, columns: list[ColumnKind],
                quality: dict[str, Any]) -> dict[str, Any]:
    kinds = sorted({c.kind for c in columns if c.primary and c.kind in KINDS})
    return {
        "input": {
            "file": Path(info.path).name, "sha256": info.sha256, "size_bytes": info.size_bytes,
            "rows": info.rows, "format": info.format, "encoding": info.encoding,
            "sheet": info.sheet, "has_header": info.has_header,
        },
        "columns": [{"column": c.column, "kind": c.kind, "confidence": round(c.confidence, 3),
                     "source": c.source, "primary": c.primary} for c in columns],
        "kinds": kinds,
        "quality": quality,
    }


def _require_identifiers(path: Path, norm: Normalised) -> None:
    kinds = {c.kind for c in norm.columns if c.primary}
    if not any(set(fields) <= kinds for fields in ANCHORS.values()):
        raise InputError(
            f"{path}: no identifier column found (need a phone, national ID, e-mail or plate "
            "column, or name with birth date); check 'attrib inspect' and use --map COLUMN=KIND"
        )


def create_case(path: Path, **params: Any) -> Case:
    """``attrib case init``: create a case folder with a new secret key."""
    return init_case(Path(path), **params)


def sketch_table(
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
    detail: Detail | None = None,
) -> Sketch:
    """Read, normalise and sketch one file, streaming it in batches.

    Column kinds are decided on the first batch and kept for the rest, so every batch
    is normalised alike; the batches' sketches merge into the sketch of the whole file
    (bit for bit what one pass would give).
    """
    path = Path(path)
    warm_up(key, params)  # beside the hashing of the file (GIL-free)
    info, batches = iter_batches(path, batch_rows=batch_rows or default_batch_rows(path),
                                 sheet=sheet, read_while_hashing=True)
    if max_rows is not None and info.rows > max_rows:
        raise InputError(f"{path}: {info.rows} rows exceeds --max-rows {max_rows}")
    with _progress(progress, info.rows, path.name) as advance:
        merged, columns, quality = sketch_frames(
            batches, key, params, kind=kind, mapping=mapping, exact=exact, label=str(path),
            on_batch=advance, detail=detail)
    return merged.with_meta(**meta, **_table_meta(info, columns, quality))


def default_batch_rows(path: Path) -> int:
    """Rows per batch for a file when the caller chose none.

    A Parquet file of up to PARQUET_LARGE_ROWS rows is read PARQUET_BATCH_ROWS rows at
    a time: whole row groups are decoded anyway, and half as many batches sketch the
    file ~5% faster (the peak of 10^7 rows grows by 0.2-0.4 GB). Larger files keep
    DEFAULT_BATCH_ROWS, which holds 10^8 rows under 2 GiB with the whole file's
    sketch; text files too (polars' CSV reader buffers ahead of the batch).
    """
    if Path(path).suffix.lower() == ".parquet":
        with contextlib.suppress(AttribError):  # reading reports a damaged file
            if parquet.row_count(parquet.open_parquet(str(path))) <= PARQUET_LARGE_ROWS:
                return PARQUET_BATCH_ROWS
    return DEFAULT_BATCH_ROWS


def sketch_frames(
    batches: Iterable[pl.DataFrame],
    key: CaseKey,
    params: SketchParams,
    *,
    kind: str,
    mapping: Mapping[str, str] | None = None,
    exact: bool,
    label: str = "input",
    on_batch: Callable[[int], None] | None = None,
    detail: Detail | None = None,
) -> tuple[Sketch, list[ColumnKind], dict[str, Any]]:
    """Sketch a stream of String frames of one list (the kernel every engine shares).

    Returns:
        The merged sketch (without provenance meta), the column decisions and the
        merged data-quality counts.
    """
    warming = warm_up(key, params)
    it = iter(batches)
    first = next(it, None)
    if first is None:
        raise InputError(f"{label}: no data rows")
    # The second batch is read (polars and pyarrow release the GIL) while the column
    # kinds are decided on the first, and while the first is handed to a worker; the
    # rest as batches are taken.
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attrib-read")
    try:
        reading = reader.submit(next, it, None)
        try:
            columns = detect_columns(first.head(DETECT_ROWS), overrides=mapping)
        except BaseException:
            reading.cancel()  # its own error, if any, is not the one to report
            raise
        warming.join()
        frames = chain([first], _batch_of(reading), it)
        del first
        return _sketch_batches(frames, columns, key, params, kind=kind, exact=exact,
                               label=label, on_batch=on_batch, detail=detail)
    finally:
        reader.shutdown(wait=True)


def _batch_of(reading: Future) -> Iterator[pl.DataFrame]:
    """The batch a background read returns, once it is asked for (none at the end)."""
    batch = reading.result()
    if batch is not None:
        yield batch


def _sketch_batches(
    frames: Iterator[pl.DataFrame],
    columns: list[ColumnKind],
    key: CaseKey,
    params: SketchParams,
    *,
    kind: str,
    exact: bool,
    label: str,
    on_batch: Callable[[int], None] | None,
    detail: Detail | None,
) -> tuple[Sketch, list[ColumnKind], dict[str, Any]]:
    """The body of :func:`sketch_frames` once the column kinds are decided."""
    leak = kind == "leak"

    def work(batch: list[pl.DataFrame], check: bool) -> tuple[Sketch, dict[str, Any],
                                                               np.ndarray]:
        # The raw batch is handed over in a list so that what the normalised frame does
        # not share with it is freed once normalised (the pool would keep the
        # arguments of a call until it returns).
        frame = batch.pop()
        # Duplicates are counted over the whole file from the row digests.
        norm = normalise(frame, columns, count_duplicates=False)
        del frame
        if check:
            _require_identifiers(Path(label), norm)
        part = build_sketch(norm.frame, key, params, kind=kind, meta={}, exact=exact,
                            keep_records=leak, detail=detail)
        return part, norm.quality.to_dict(), row_digests(norm.frame)

    parts: list[Sketch] = []
    qualities: list[dict[str, Any]] = []
    # Bounded: spills (sealed) digests to a private temporary folder past 128 MiB.
    dupes = DuplicateCounter(seal_key(key))
    # Batches are sketched on every core (polars, the hashing and fingerprint kernels
    # release the GIL) and merged in file order, so the result does not depend on
    # which batch finished first; at most IN_FLIGHT batches are held at once.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        pending: deque[tuple[Future, int]] = deque()
        try:
            for i, frame in enumerate(frames):
                rows = frame.height
                pending.append((pool.submit(work, [frame], i == 0), rows))
                del frame
                while len(pending) >= IN_FLIGHT:
                    _take(pending, parts, qualities, dupes, on_batch)
            while pending:
                _take(pending, parts, qualities, dupes, on_batch)
        except BaseException:
            for fut, _ in pending:
                fut.cancel()
            dupes.close()
            raise
    # The duplicate count (a sort of every row's digest) runs beside the last merge:
    # both are numpy work that releases the GIL, and nothing else is left to overlap.
    # Not when the digests were spilled (a file of ~10^8 rows): the two peaks of
    # memory would then add up.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="attrib-dupes") as counter:
        duplicates = None if dupes.spilled else counter.submit(dupes.count)
        merged = parts[0] if len(parts) == 1 else merge_sketches(parts)
        quality = merge_quality(qualities)
        quality["duplicate_rows"] = dupes.count() if duplicates is None else duplicates.result()
    return merged, columns, quality


#: One made-up record of every kind, for :func:`_warm_up` (not a person: the ID is the
#: standard's worked example, the mobile an operator's service number).
_WARM_RECORD = {"name": "张伟", "phone": "13800138000", "national_id": "11010519491231002X",
                "birth_date": "19491231", "address": "北京市朝阳区建国路1号",
                "email": "zhang.wei@example.com", "plate": "京A12345"}


_WARMING: list[threading.Thread] = []
_WARMING_LOCK = threading.Lock()


def warm_up(key: CaseKey, params: SketchParams) -> threading.Thread:
    """Start loading the compiled kernels (numba, ~0.35 s at first use) in the background,
    once per process; join the returned thread before timing-critical work.

    Sketching starts it before hashing the file and reading the first batch, which
    leave the interpreter free most of the time.
    """
    with _WARMING_LOCK:
        if not _WARMING:
            thread = threading.Thread(target=_warm_up, args=(key, params), daemon=True,
                                      name="attrib-warm-up")
            thread.start()
            _WARMING.append(thread)
        return _WARMING[0]


def _warm_up(key: CaseKey, params: SketchParams) -> None:
    """Run one made-up record through normalising and sketching, so that every
    compiled kernel and lazily imported module is loaded before the batches arrive.
    A failure here is not reported: the same code runs again on the real batches."""
    with contextlib.suppress(Exception), _without_blas_probe():
        raw = pl.DataFrame({k: [v] for k, v in _WARM_RECORD.items()})
        columns = [ColumnKind(k, k, 1.0, "map", primary=True) for k in _WARM_RECORD]
        norm = normalise(raw, columns, count_duplicates=False)
        build_sketch(norm.frame, key, params, kind="source", meta={}, exact=False)
        row_digests(norm.frame)


#: What numba imports, at its first compile, to learn whether BLAS is available.
_BLAS_PROBE = "scipy.linalg.cython_blas"
#: Whether the warm-up may block that import (:func:`_without_blas_probe`): set by the
#: ``attrib`` command, whose process runs no threads but attrib's; a program that
#: uses attrib as a library may import scipy in a thread of its own meanwhile.
SKIP_BLAS_PROBE = False


@contextmanager
def _without_blas_probe() -> Iterator[None]:
    """Let numba's first compile find no BLAS instead of importing ``scipy.linalg``.

    numba's array functions import ``scipy.linalg`` (0.1 s holding the GIL, at the
    start of every sketch) only to decide whether ``np.dot``-style calls can use BLAS;
    attrib's kernels make none (without it numba compiles ``np.convolve`` as a plain
    loop). Inside the block that import fails at once; afterwards it works again,
    and a BLAS call compiled later imports scipy as usual. Only in the ``attrib``
    command (``SKIP_BLAS_PROBE``), where nothing else imports scipy while a sketch warms
    up (the attribution imports it before sketching the leak, and then numba finds it
    loaded).
    """
    if not SKIP_BLAS_PROBE or "numba.np.arraymath" in sys.modules or _BLAS_PROBE in sys.modules:
        yield
        return
    sys.modules[_BLAS_PROBE] = None  # type: ignore[assignment]  # "import" raises ImportError
    try:
        yield
    finally:
        if _BLAS_PROBE in sys.modules and sys.modules[_BLAS_PROBE] is None:
            del sys.modules[_BLAS_PROBE]


def _take(pending: deque[tuple[Future, int]], parts: list[Sketch],
          qualities: list[dict[str, Any]], dupes: DuplicateCounter,
          on_batch: Callable[[int], None] | None) -> None:
    """Collect the oldest pending batch's sketch; fold the parts together every
    MERGE_EVERY batches (merging after each batch copied the growing whole each time)."""
    fut, rows = pending.popleft()
    part, quality, digests = fut.result()
    qualities.append(quality)
    dupes.add(digests)
    parts.append(part)
    if len(parts) >= MERGE_EVERY:
        parts[:] = [merge_sketches(parts)]
    if on_batch is not None:
        on_batch(rows)


def row_digests(norm_frame: pl.DataFrame) -> np.ndarray:
    """64-bit digests of normalised records, to count duplicates across a whole file.

    8 bytes a row, never written as they are (``attrib.engines.dupes`` seals them
    before spilling): polars' row hash with fixed seeds is stable within one polars
    version, which is all a single run needs.
    """
    if norm_frame.width == 0:
        return np.zeros(norm_frame.height, dtype=np.uint64)
    return norm_frame.hash_rows(seed=0).to_numpy()


def duplicate_count(digests: np.ndarray) -> int:
    """Records identical, after normalisation, to an earlier record."""
    if digests.size == 0:
        return 0
    digests.sort()
    return int(np.count_nonzero(digests[1:] == digests[:-1]))


def merge_quality(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum the data-quality counts of a file's batches (duplicates are recounted whole)."""
    out: dict[str, Any] = {"rows": 0, "duplicate_rows": 0, "kinds": {}, "signals": {}}
    for q in parts:
        out["rows"] += q["rows"]
        out["duplicate_rows"] += q["duplicate_rows"]
        for kind, counts in q["kinds"].items():
            acc = out["kinds"].setdefault(kind, {})
            for k, v in counts.items():
                acc[k] = acc.get(k, 0) + v
        for k, v in q.get("signals", {}).items():
            out["signals"][k] = out["signals"].get(k, 0) + v
    return out


@contextmanager
def _progress(enabled: bool, total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (only when asked and the file is large)."""
    if not enabled or total < 2 * DEFAULT_BATCH_ROWS:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(f"sketching {label}", total=total)
        yield lambda n: bar.advance(task, n)


def add_source(
    case_dir: Path,
    path: Path,
    *,
    org: str,
    snapshot: str,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    exact: bool = True,
    max_rows: int | None = None,
    engine: str | Engine | None = None,
) -> dict[str, Any]:
    """``attrib source add``: sketch an organisation's snapshot into the case.

    ``engine``: where to sketch (``attrib.engines``: a name or an engine; default local).
    """
    from attrib import engines

    org, snapshot = check_org(org), check_date(snapshot)
    case = open_case(case_dir)
    with case_lock(case.path):
        case = open_case(case_dir)
        runner = engines.resolve(engine)
        sk = runner.sketch(path, case.key(), case.params, kind="source",
                           meta={"org": org, "snapshot": snapshot}, mapping=mapping,
                           sheet=sheet, exact=exact, max_rows=max_rows)
        entry = case.add_source(sk, origin="raw")
        case.log("source add", {"file": Path(path).name, "org": org, "snapshot": snapshot,
                                "map": dict(mapping or {}), "sheet": sheet, "exact": exact,
                                "engine": runner.name},
                 {"source": entry["id"], "sketch_sha256": entry["sketch_sha256"],
                  "input_sha256": entry["input"]["sha256"]})
    return entry


def attribute_leak(
    case_dir: Path,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    sheet: str | None = None,
    settings: Settings | None = None,
    max_rows: int | None = None,
    command: str | None = None,
) -> dict[str, Any]:
    """``attrib attribute``: sketch a leak, compare it with every source, store the result.

    Returns:
        The result document (schema ``attrib.attribution/1``).
    """
    # Imported here: the statistics import scipy (~0.6 s), which sketching never needs.
    from attrib.attribution.engine import attribute
    from attrib.attribution.result import result_document

    started = utc_now()
    case = open_case(case_dir)
    with case_lock(case.path):
        case = open_case(case_dir)
        if not case.sources():
            raise UsageError(
                f"{case.path}: the case has no sources yet; add some with 'attrib source add'"
            )
        # The exact tier is only ever chosen when every source keeps one, and only
        # exact-tier sources keep near-duplicate signature sets: without them the leak's
        # version tokens of unsampled identifiers (two thirds of its tokens) and its
        # signatures would never be looked at (attrib.sketch.core.Detail).
        exact_tiers = [bool(e.get("has_exact")) for e in case.sources()]
        detail = Detail(all_versions=all(exact_tiers), signatures=any(exact_tiers))
        leak = sketch_table(path, case.key(), case.params, kind="leak", meta=detail.meta(),
                            mapping=mapping, sheet=sheet, exact=True, max_rows=max_rows,
                            detail=detail)
        if not leak.counts.get("rows_with_anchor"):  # nothing to compare (and nothing to store)
            raise InputError(f"{path}: none of its {leak.rows} rows has a valid identifier "
                             "(phone, national ID, e-mail, plate, or name with birth date); "
                             "check 'attrib inspect'")
        # The leak's sketch file (hundreds of MB for 10^6 records) is written while the
        # sources are read and compared; it is registered once both are done.
        with ThreadPoolExecutor(max_workers=1) as pool:
            staging = pool.submit(case.stage_leak, leak)
            try:
                sources = [case.read_sketch(e) for e in case.sources()]
                attribution = attribute(leak, sources, case.population, settings,
                                        canaries=read_case_canaries(case.path))
            except BaseException:
                with contextlib.suppress(Exception):
                    case.discard_staged(staging.result())
                raise
            leak_entry = case.commit_leak(staging.result())
        reproduce = command or _reproduce_attribute(case.path, Path(path), mapping, sheet)
        doc = result_document(attribution, case=case, leak=leak, leak_entry=leak_entry,
                              started=started, finished=utc_now(), reproduce=reproduce)
        entry = case.save_result(leak_entry["id"], doc)
        case.log("attribute", {"file": Path(path).name, "map": dict(mapping or {}),
                               "sheet": sheet, "settings": attribution.settings.to_dict()},
                 {"leak": leak_entry["id"], "result": entry["file"],
                  "result_sha256": entry["sha256"], "verdict": doc["verdict"]})
    return doc


def _reproduce_attribute(case_dir: Path, leak: Path, mapping: Mapping[str, str] | None,
                         sheet: str | None) -> str:
    parts = ["attrib", "attribute", str(case_dir), str(leak)]
    for col, kind in (mapping or {}).items():
        parts += ["--map", f"{col}={kind}"]
    if sheet:
        parts += ["--sheet", sheet]
    return shlex.join(parts)


def inspect_file(path: Path, mapping: Mapping[str, str] | None = None,
                 sheet: str | None = None, max_rows: int | None = None) -> dict[str, Any]:
    """``attrib inspect``: what attrib sees in a file (no personal values).

    Streams the file in batches, as ``source add`` does, so memory is bounded by the
    batch and not the file; column kinds are decided on the first rows, as there.
    """
    import secrets

    path = Path(path)
    info, batches = iter_batches(path, batch_rows=DEFAULT_BATCH_ROWS, sheet=sheet)
    if max_rows is not None and info.rows > max_rows:
        raise InputError(f"{path}: {info.rows} rows exceeds --max-rows {max_rows}")
    columns: list[ColumnKind] | None = None
    qualities = []
    # A throwaway key seals the digests should they spill to disk (as sketching does).
    with DuplicateCounter(secrets.token_bytes(16)) as dupes:
        for frame in batches:
            if columns is None:
                columns = detect_columns(frame.head(DETECT_ROWS), overrides=mapping)
            norm = normalise(frame, columns)
            qualities.append(norm.quality.to_dict())
            dupes.add(row_digests(norm.frame))
        quality = merge_quality(qualities)
        quality["duplicate_rows"] = dupes.count()
    return {"schema": "attrib.inspect/1", "file": info.to_dict(),
            "columns": [c.to_dict() for c in norm.columns], "quality": quality}


def read_result(path: Path) -> dict[str, Any]:
    """Load a result document written by ``attribute --json`` or stored in a case."""
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"{path}: not a valid result JSON document") from None
    if not isinstance(doc, dict) or doc.get("schema") != "attrib.attribution/1":
        raise InputError(f"{path}: not an attrib result (schema attrib.attribution/1)")
    return doc


def make_report(case_dir: Path, result_path: Path, fmt: str, out: Path, *,
                examiner: str | None = None, reveal: bool = False,
                leak: Path | None = None) -> Path:
    """``attrib report -o``: render a result as HTML, Markdown, JSON, CASE JSON-LD or PDF.

    Args:
        case_dir: the case folder the result belongs to.
        result_path: the result document (``attribute --json`` or ``CASE/results/``).
        fmt: ``html``, ``md``, ``json``, ``case`` or ``pdf``.
        out: the report file to write.
        examiner: examiner named in the report (default: the case's examiner).
        reveal: show the exclusive evidence rows' values (personal data).
        leak: the leaked file to read those values from (required with ``reveal``).

    Returns:
        The path written. The report action is appended to the case's audit log.
    """
    if fmt not in REPORT_FORMATS:
        raise UsageError(f"invalid --format {fmt!r}: expected {', '.join(REPORT_FORMATS)}")
    inputs = _report_inputs(case_dir, result_path, examiner=examiner, reveal=reveal, leak=leak)
    data = _render_report(inputs, fmt)
    from attrib.case.fsutil import atomic_write

    out = Path(out)
    atomic_write(out, data)
    _log_report(inputs, {"format": fmt}, {"file": out.name, "sha256": _sha256(data)})
    return out


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def version() -> str:
    return __version__


# -- reports, bundles, examiner keys, audit log (attrib report / verify / key / case log) --

from dataclasses import dataclass  # noqa: E402  (kept with the code that uses it)

#: Formats of ``attrib report --format``.
REPORT_FORMATS = ("html", "md", "json", "case", "pdf")
#: Report formats written into a bundle (PDF is left out: browsers stamp it with the time).
BUNDLE_FORMATS = ("html", "md", "json", "case")


@dataclass(frozen=True)
class ReportInputs:
    """What every renderer of one ``attrib report`` run shares."""

    case: Case
    doc: dict[str, Any]
    result_name: str
    result_bytes: bytes
    examiner: str | None
    generated: str
    extra: dict[str, Any]
    params: dict[str, Any]


def _check_reveal(reveal: bool, leak: Path | None) -> None:
    if reveal and leak is None:
        raise UsageError("--reveal needs --leak LEAK_FILE: the leaked file to read the "
                         "evidence rows from")
    if leak is not None and not reveal:
        raise UsageError("--leak is only used with --reveal")


def _report_inputs(case_dir: Path, result_path: Path, *, examiner: str | None,
                   reveal: bool, leak: Path | None) -> ReportInputs:
    """Open the case and the result, and gather the report's facts from the case."""
    from attrib.case.fsutil import sha256_bytes

    _check_reveal(reveal, leak)
    case = open_case(case_dir)
    doc = read_result(result_path)
    if doc.get("case", {}).get("case_id") != case.case_id:
        raise UsageError(f"{result_path}: result belongs to another case")
    data = Path(result_path).read_bytes()
    case.verify_result(Path(result_path), data)  # a hand-edited result is never reported
    extra: dict[str, Any] = {
        "result_file": {"file": Path(result_path).name, "sha256": sha256_bytes(data),
                        "size_bytes": len(data)},
        **_audit_facts(case, doc, sha256_bytes(data), str(case_dir)),
    }
    if reveal and leak is not None:
        extra["revealed_columns"], extra["revealed"] = _revealed_rows(case, doc, Path(leak))
    params = {"result": Path(result_path).name, "reveal": reveal,
              "leak": Path(leak).name if leak else None, "examiner": examiner}
    return ReportInputs(case, doc, Path(result_path).name, data,
                        examiner or case.manifest.get("examiner"), utc_now(), extra, params)


def _audit_facts(case: Case, doc: dict[str, Any], result_sha256: str,
                 case_arg: str) -> dict[str, Any]:
    """The audit log's state, the entry that recorded the result, the rebuild commands."""
    from attrib.case.audit import verify_chain
    from attrib.report.reproduce import attribution_entry, rebuild_commands

    entries, problems = verify_chain(case.path / "audit.jsonl")
    entry = attribution_entry(entries, doc, result_sha256)
    recorded = {k: entry[k] for k in ("seq", "time", "hash")} if entry else None
    return {"audit": {"intact": not problems, "problems": problems, "attribution": recorded},
            "rebuild": rebuild_commands(entries, doc["sources"], case_arg)}


def _revealed_rows(case: Case, doc: dict[str, Any],
                   leak: Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The evidence rows' values, read again from the leaked file after checking its hash."""
    from attrib.errors import IntegrityError
    from attrib.io import sha256_file

    if not leak.is_file():
        raise InputError(f"{leak}: no such file")
    digest = sha256_file(leak)
    if digest != doc["leak"]["sha256"]:
        raise IntegrityError(
            f"{leak}: not the attributed list (SHA-256 {digest[:16]}…, the result's "
            f"{doc['leak']['sha256'][:16]}…); give the file that was attributed"
        )
    sheet = next((e.get("input", {}).get("sheet") for e in case.leaks()
                  if e["id"] == doc["leak"].get("id")), None)
    frame, _ = read_table(leak, sheet=sheet)
    rows = [{"record": int(e["record"]), "org": e["org"],
             "values": frame.row(int(e["record"]) - 1, named=True)}
            for e in doc.get("evidence") or [] if 0 < int(e["record"]) <= frame.height]
    return list(frame.columns), rows


def _render_report(inputs: ReportInputs, fmt: str) -> bytes:
    from attrib.report import render

    if fmt == "pdf":
        from attrib.report.browser import html_to_pdf

        return html_to_pdf(_render_report(inputs, "html"))
    return render(inputs.doc, fmt, examiner=inputs.examiner, generated=inputs.generated,
                  extra=inputs.extra)


def _log_report(inputs: ReportInputs, params: dict[str, Any], outputs: dict[str, Any]) -> None:
    case = inputs.case
    with case_lock(case.path, wait=True):
        case.log("report", {**inputs.params, **params}, outputs)


def make_bundle(case_dir: Path, result_path: Path, bundle_dir: Path, *,
                examiner: str | None = None, reveal: bool = False, leak: Path | None = None,
                key: Path | None = None) -> dict[str, Any]:
    """``attrib report --bundle``: a signed BagIt bundle of every report and the result.

    Args:
        case_dir: the case folder the result belongs to.
        result_path: the result document.
        bundle_dir: the bundle folder to create (new or empty).
        examiner: examiner named in the reports.
        reveal: show the evidence rows' values (the bundle then holds personal data).
        leak: the leaked file to read those values from.
        key: the examiner's private key (default :func:`attrib.signing.default_key_path`).

    Returns:
        ``folder``, ``files``, ``manifest_sha256``, ``tagmanifest_sha256`` and ``key``.
    """
    from attrib import signing
    from attrib.report import SUFFIXES
    from attrib.report.bundle import write_bundle

    private = signing.load_private_key(key)  # fail before any work without a usable key
    inputs = _report_inputs(case_dir, result_path, examiner=examiner, reveal=reveal, leak=leak)
    payload = {f"report{SUFFIXES[f]}": _render_report(inputs, f) for f in BUNDLE_FORMATS}
    payload["result.json"] = inputs.result_bytes
    info = {
        "Bag-Software-Agent": f"attrib {__version__}",
        "Bagging-Date": inputs.generated[:10],
        "Bagging-Time": inputs.generated,
        "External-Identifier": inputs.case.case_id,
        "External-Description": f"attrib evidence report of {inputs.doc['leak']['file']} "
                                f"(SHA-256 {inputs.doc['leak']['sha256']})",
        "Contact-Name": inputs.examiner or "(not named)",
        "Personal-Data": "yes" if reveal else "no",
    }
    facts = write_bundle(Path(bundle_dir), payload, key=private, info=info)
    _log_report(inputs, {"bundle": Path(bundle_dir).name},
                {"bundle": Path(bundle_dir).name, **facts})
    return {"folder": str(bundle_dir), "files": sorted(payload), **facts}


def verify_report_bundle(bundle_dir: Path, key: Path | None = None) -> dict[str, Any]:
    """``attrib verify``: check every hash and the signature of a bundle.

    Args:
        bundle_dir: the bundle folder.
        key: a public (or private) key file the signature must have been made with.
    """
    from attrib import signing
    from attrib.report.bundle import verify_bundle

    expected = signing.fingerprint(signing.load_public_key(key)) if key else None
    return verify_bundle(Path(bundle_dir), expected)


def create_examiner_key(path: Path | None = None) -> dict[str, str]:
    """``attrib key create``: a new Ed25519 key pair for signing bundles."""
    from attrib import signing

    files = signing.create_key(path)
    return {"private": str(files.private), "public": str(files.public),
            "fingerprint": files.fingerprint}


def examiner_key_info(path: Path | None = None) -> dict[str, str]:
    """``attrib key show``: where the examiner's key is and its fingerprint."""
    from attrib import signing

    path = Path(path) if path else signing.default_key_path()
    return {"private": str(path),
            "fingerprint": signing.fingerprint(signing.load_public_key(path))}


def case_log(case_dir: Path) -> dict[str, Any]:
    """``attrib case log``: the case's audit log and whether its hash chain is intact."""
    from attrib.case.audit import verify_chain

    case = open_case(case_dir)
    with case_lock(case.path, wait=True):  # never read an entry half written
        entries, problems = verify_chain(case.path / "audit.jsonl")
    return {"schema": "attrib.audit-log/1", "case_id": case.case_id,
            "intact": not problems, "problems": problems, "entries": entries}

"""The functions a Python user calls; the command line uses nothing else.

Every function takes paths and plain values, does the file-system work through
``attrib.io`` and ``attrib.case``, and returns plain data (dicts, dataclasses).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from attrib import __version__
from attrib.attribution.engine import Settings, attribute
from attrib.attribution.result import result_document
from attrib.case import Case, check_date, check_org, init_case, open_case, utc_now
from attrib.case.fsutil import case_lock
from attrib.errors import InputError, UsageError
from attrib.fields import KINDS, ColumnKind, Normalised, detect_columns, normalise
from attrib.io import TableInfo, iter_batches, read_table
from attrib.sketch import Sketch, SketchParams, build_sketch, merge_sketches
from attrib.tokens import ANCHORS, CaseKey

#: Rows per batch when streaming a file: memory is bounded by this, not the file size.
DEFAULT_BATCH_ROWS = 500_000


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
) -> Sketch:
    """Read, normalise and sketch one file, streaming it in batches.

    Column kinds are decided on the first batch and kept for the rest, so every batch
    is normalised alike; the batches' sketches merge into the sketch of the whole file
    (bit for bit what one pass would give).
    """
    path = Path(path)
    info, batches = iter_batches(path, batch_rows=batch_rows or DEFAULT_BATCH_ROWS,
                                 sheet=sheet)
    if max_rows is not None and info.rows > max_rows:
        raise InputError(f"{path}: {info.rows} rows exceeds --max-rows {max_rows}")
    with _progress(progress, info.rows, path.name) as advance:
        merged, columns, quality = sketch_frames(
            batches, key, params, kind=kind, mapping=mapping, exact=exact, label=str(path),
            on_batch=advance)
    return merged.with_meta(**meta, **_table_meta(info, columns, quality))


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
) -> tuple[Sketch, list[ColumnKind], dict[str, Any]]:
    """Sketch a stream of String frames of one list (the kernel every engine shares).

    Returns:
        The merged sketch (without provenance meta), the column decisions and the
        merged data-quality counts.
    """
    merged: Sketch | None = None
    columns = None
    qualities = []
    digests = []
    for frame in batches:
        if columns is None:
            columns = detect_columns(frame, overrides=mapping)
        norm = normalise(frame, columns)
        if merged is None:
            _require_identifiers(Path(label), norm)
        qualities.append(norm.quality.to_dict())
        digests.append(row_digests(norm.frame))
        part = build_sketch(norm.frame, key, params, kind=kind, meta={}, exact=exact,
                            keep_records=(kind == "leak"))
        merged = part if merged is None else merge_sketches([merged, part])
        if on_batch is not None:
            on_batch(frame.height)
    if merged is None or columns is None:
        raise InputError(f"{label}: no data rows")
    quality = merge_quality(qualities)
    quality["duplicate_rows"] = duplicate_count(np.concatenate(digests))
    return merged, columns, quality


def row_digests(norm_frame: pl.DataFrame) -> np.ndarray:
    """64-bit digests of normalised records, to count duplicates across a whole file.

    Held in memory only (8 bytes a row), never written: polars' row hash with fixed
    seeds is stable within one polars version, which is all a single run needs.
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
) -> dict[str, Any]:
    """``attrib source add``: sketch an organisation's snapshot into the case."""
    org, snapshot = check_org(org), check_date(snapshot)
    case = open_case(case_dir)
    with case_lock(case.path):
        case = open_case(case_dir)
        sk = sketch_table(path, case.key(), case.params, kind="source",
                          meta={"org": org, "snapshot": snapshot}, mapping=mapping,
                          sheet=sheet, exact=exact, max_rows=max_rows)
        entry = case.add_source(sk, origin="raw")
        case.log("source add", {"file": Path(path).name, "org": org, "snapshot": snapshot,
                                "map": dict(mapping or {}), "sheet": sheet, "exact": exact},
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
    started = utc_now()
    case = open_case(case_dir)
    with case_lock(case.path):
        case = open_case(case_dir)
        if not case.sources():
            raise UsageError(
                f"{case.path}: the case has no sources yet; add some with 'attrib source add'"
            )
        leak = sketch_table(path, case.key(), case.params, kind="leak", meta={},
                            mapping=mapping, sheet=sheet, exact=True, max_rows=max_rows)
        leak_entry = case.add_leak(leak)
        sources = [case.read_sketch(e) for e in case.sources()]
        attribution = attribute(leak, sources, case.population, settings)
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
                 sheet: str | None = None) -> dict[str, Any]:
    """``attrib inspect``: what attrib sees in a file (no personal values)."""
    info, norm = load_table(path, mapping, sheet)
    return {"schema": "attrib.inspect/1", "file": info.to_dict(),
            "columns": [c.to_dict() for c in norm.columns],
            "quality": norm.quality.to_dict()}


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
                examiner: str | None = None, reveal: bool = False) -> Path:
    """``attrib report``: render a result as HTML, Markdown or JSON."""
    from attrib.report import render

    case = open_case(case_dir)
    doc = read_result(result_path)
    if doc.get("case", {}).get("case_id") != case.case_id:
        raise UsageError(f"{result_path}: result belongs to another case")
    data = render(doc, fmt, examiner=examiner or case.manifest.get("examiner"),
                  generated=utc_now())
    from attrib.case.fsutil import atomic_write

    out = Path(out)
    atomic_write(out, data)
    with case_lock(case.path, wait=True):
        case.log("report", {"result": Path(result_path).name, "format": fmt, "reveal": reveal},
                 {"file": out.name, "sha256": _sha256(data)})
    return out


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def version() -> str:
    return __version__

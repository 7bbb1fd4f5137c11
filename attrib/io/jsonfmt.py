"""JSON Lines and JSON: records (objects) or rows (arrays) to frames of strings.

Values become text as a person would write them: integers as digits, whole floats
without ``.0``, booleans ``true``/``false``, nested values as compact JSON, and
null or ``""`` as null. Column order is the order in which keys first appear.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from attrib.io._fail import fail
from attrib.io.encoding import Utf8View
from attrib.io.frames import blanks_to_null
from attrib.io.header import positional_names

_MAX_EXACT_FLOAT = 2.0**53


@dataclass
class Parsed:
    """Records read from a JSON file, before they become a frame."""

    keys: list[str]
    records: list[dict[str, Any]] | None = None  # objects
    rows: list[list[Any]] | None = None  # arrays: header decided by the caller
    notes: list[str] = field(default_factory=list)


def text(value: Any) -> str | None:
    """Write one JSON value as the string attrib stores."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < _MAX_EXACT_FLOAT:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return value or None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _decode_error(path: str, exc: json.JSONDecodeError, line: int | None = None) -> Exception:
    # JSONDecodeError.msg ("Expecting ',' delimiter") never quotes the document.
    where = f"line {line if line is not None else exc.lineno}, column {exc.colno}"
    return fail(path, f"invalid JSON at {where} ({exc.msg})")


def iter_lines(path: str, view: Utf8View) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line number, object)`` for each non-blank line of a JSON Lines file.

    Raises:
        InputError: A line is not valid JSON or not an object.
    """
    with open(view.path, encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _decode_error(path, exc, number) from None
            except RecursionError:
                raise fail(path, f"JSON nested too deeply on line {number}") from None
            if not isinstance(value, dict):
                kind = type(value).__name__
                raise fail(path, f"line {number} is a JSON {kind}, not an object") from None
            yield number, value


def scan_lines(path: str, view: Utf8View, limit: int | None = None) -> Parsed:
    """Read a JSON Lines file, stopping after ``limit`` records if given."""
    records: list[dict[str, Any]] = []
    keys: dict[str, None] = {}
    for _, obj in iter_lines(path, view):
        keys.update(dict.fromkeys(obj))
        records.append(obj)
        if limit is not None and len(records) >= limit:
            break
    return Parsed(list(keys), records=records)


def count_lines(path: str, view: Utf8View) -> tuple[list[str], int]:
    """One validating pass: every key in first-seen order, and the number of records."""
    keys: dict[str, None] = {}
    count = 0
    for _, obj in iter_lines(path, view):
        keys.update(dict.fromkeys(obj))
        count += 1
    return list(keys), count


def line_batches(
    path: str, view: Utf8View, keys: list[str], batch_rows: int
) -> Iterator[pl.DataFrame]:
    """Yield positional frames of ``batch_rows`` records over the keys found by
    :func:`count_lines`."""
    chunk: list[dict[str, Any]] = []
    for _, obj in iter_lines(path, view):
        chunk.append(obj)
        if len(chunk) >= batch_rows:
            yield records_frame(chunk, keys)
            chunk = []
    if chunk:
        yield records_frame(chunk, keys)


def parse_document(path: str, view: Utf8View) -> Parsed:
    """Read a ``.json`` file: an array of objects or arrays, an object wrapping one
    such array, a single object, or JSON Lines saved as ``.json``."""
    with open(view.path, encoding="utf-8-sig") as fh:
        content = fh.read()
    try:
        doc = json.loads(content)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and content.lstrip().startswith("{"):
            parsed = scan_lines(path, view)
            parsed.notes.append("JSON Lines content in a .json file")
            return parsed
        raise _decode_error(path, exc) from None
    except RecursionError:
        raise fail(path, "JSON nested too deeply") from None
    del content
    if isinstance(doc, dict):
        return _from_object(path, doc)
    if isinstance(doc, list):
        return _from_array(path, doc)
    raise fail(path, f"JSON holds a {type(doc).__name__}, not records") from None


def _from_object(path: str, doc: dict[str, Any]) -> Parsed:
    wrapped = [k for k, v in doc.items() if isinstance(v, list) and v and isinstance(v[0], dict)]
    if len(wrapped) == 1:
        parsed = _from_array(path, doc[wrapped[0]])
        parsed.notes.append(f"records taken from the key '{wrapped[0]}'")
        return parsed
    return Parsed(list(doc), records=[doc], notes=["a single JSON object: one record"])


def _from_array(path: str, items: list[Any]) -> Parsed:
    if all(isinstance(item, dict) for item in items):
        keys: dict[str, None] = {}
        for item in items:
            keys.update(dict.fromkeys(item))
        return Parsed(list(keys), records=items)
    if all(isinstance(item, list) for item in items):
        width = max(len(item) for item in items)
        return Parsed(positional_names(width), rows=items)
    bad = next(i for i, item in enumerate(items, 1) if not isinstance(item, dict | list))
    kind = type(items[bad - 1]).__name__
    raise fail(path, f"JSON array element {bad} is a {kind}, not an object") from None


def records_frame(records: list[dict[str, Any]], keys: list[str]) -> pl.DataFrame:
    """Build a positional frame (``col1..colN`` following ``keys``) of strings."""
    names = positional_names(len(keys))
    pairs = zip(names, keys, strict=True)
    data = {name: [text(r.get(key)) for r in records] for name, key in pairs}
    return pl.DataFrame(data, schema=dict.fromkeys(names, pl.String))


def rows_frame(rows: list[list[Any]], width: int) -> pl.DataFrame:
    """Build a positional frame of strings from arrays, padding short ones."""
    names = positional_names(width)
    padded = [[text(v) for v in row] + [None] * (width - len(row)) for row in rows]
    df = pl.DataFrame(padded, schema=dict.fromkeys(names, pl.String), orient="row")
    return blanks_to_null(df)

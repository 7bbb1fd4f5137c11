"""The append-only audit log of a case: each entry chained to the previous one's hash.

Each line of ``audit.jsonl`` is canonical JSON with ``seq``, ``time``, ``command``,
``params``, ``outputs``, ``tool_version``, ``prev`` (the ``hash`` of the previous entry,
or 64 zeros) and ``hash`` = SHA-256 of the entry's canonical JSON without ``hash``.
Editing, removing or reordering any entry breaks the chain from that entry on.

An entry is appended with one ``O_APPEND`` write and fsynced. A crash (``kill -9``,
power loss, a full disk) in the middle of that write can leave the last line
incomplete: a *torn* line, without its final newline. Reading tolerates it: it is
reported by :func:`verify_chain` (``attrib case log``) and ignored by everything else.
The next entry appended (by the next command that changes the case, under the case
lock) first sets the fragment aside in ``audit.jsonl.torn-SHA12`` and records an
``audit repair`` entry naming its size and SHA-256, so the chain stays whole and the
fragment stays inspectable.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from attrib import __version__
from attrib.case.fsutil import append_all, atomic_write, fsync_dir

GENESIS = "0" * 64
TORN_PREFIX = "audit.jsonl.torn-"


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def _split(data: bytes) -> tuple[list[bytes], bytes]:
    """The complete lines of a log and its torn tail (``b""`` when it ends cleanly)."""
    body, sep, tail = data.rpartition(b"\n")
    if not sep:  # no newline at all: everything is a fragment
        return [], data
    return body.split(b"\n"), tail


def _parse(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {"_unreadable": True}
    return value if isinstance(value, dict) else {"_unreadable": True}


def read_entries(path: Path) -> list[dict[str, Any]]:
    """Every entry of the log, in order.

    A line that is not a JSON object becomes ``{"_unreadable": True}``; a torn last
    line becomes ``{"_unreadable": True, "_torn": True, "_bytes": N}``. Never raises on
    bad content, so a damaged log never stops a command.
    """
    if not path.exists():
        return []
    lines, tail = _split(path.read_bytes())
    entries = [_parse(line) for line in lines if line.strip()]
    if tail.strip():
        entries.append({"_unreadable": True, "_torn": True, "_bytes": len(tail)})
    return entries


def _set_aside_torn_tail(path: Path) -> dict[str, Any] | None:
    """Move a torn last line out of the log; return what the repair entry records.

    The caller holds the case lock, so the fragment belongs to a process that died.
    It is kept (``audit.jsonl.torn-SHA12``), not deleted: it is evidence of the crash.
    """
    if not path.exists():
        return None
    data = path.read_bytes()
    lines, tail = _split(data)
    if not tail:
        return None
    digest = hashlib.sha256(tail).hexdigest()
    aside = path.with_name(TORN_PREFIX + digest[:12])
    atomic_write(aside, tail)
    os.truncate(path, len(data) - len(tail))
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)
    return {"torn_bytes": len(tail), "torn_sha256": digest, "set_aside": aside.name}


def _write_entry(path: Path, entries: list[dict[str, Any]], command: str,
                 params: dict[str, Any], outputs: dict[str, Any]) -> dict[str, Any]:
    from attrib.case.store import utc_now

    prev = entries[-1].get("hash", GENESIS) if entries else GENESIS
    entry = {"seq": len(entries) + 1, "time": utc_now(), "command": command, "params": params,
             "outputs": outputs, "tool_version": __version__, "prev": prev}
    entry["hash"] = _entry_hash(entry)
    # One write of the whole line: a crash leaves at most this line torn.
    append_all(path, _canonical(entry) + b"\n")
    entries.append(entry)
    return entry


def append_entry(path: Path, command: str, params: dict[str, Any],
                 outputs: dict[str, Any]) -> dict[str, Any]:
    """Append one entry (the caller holds the case lock).

    A torn last line left by a crash is first set aside and an ``audit repair`` entry
    recorded, so the new entry starts on a line of its own and chains to the last
    complete entry.
    """
    repaired = _set_aside_torn_tail(path)
    entries = read_entries(path)
    if repaired is not None:
        _write_entry(path, entries, "audit repair", {"reason": "torn last line"}, repaired)
    return _write_entry(path, entries, command, params, outputs)


def verify_chain(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the entries and a list of problems (empty when the chain is intact)."""
    entries = read_entries(path)
    problems = []
    prev = GENESIS
    for i, e in enumerate(entries, start=1):
        if e.get("_torn"):
            problems.append(
                f"entry {i}: last line is incomplete ({e['_bytes']} bytes without a newline: a "
                "write was interrupted); the next command that changes the case sets it aside"
            )
            continue
        if e.get("_unreadable"):
            problems.append(f"entry {i}: not valid JSON")
            prev = ""
            continue
        if e.get("seq") != i:
            problems.append(f"entry {i}: sequence number {e.get('seq')} out of order")
        if e.get("prev") != prev:
            problems.append(f"entry {i}: does not chain to the previous entry")
        if e.get("hash") != _entry_hash(e):
            problems.append(f"entry {i}: content does not match its hash (modified)")
        prev = e.get("hash", "")
    return entries, problems

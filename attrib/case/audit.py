"""The append-only audit log of a case: each entry chained to the previous one's hash.

Each line of ``audit.jsonl`` is canonical JSON with ``seq``, ``time``, ``command``,
``params``, ``outputs``, ``tool_version``, ``prev`` (the ``hash`` of the previous entry,
or 64 zeros) and ``hash`` = SHA-256 of the entry's canonical JSON without ``hash``.
Editing, removing or reordering any entry breaks the chain from that entry on.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from attrib import __version__

GENESIS = "0" * 64


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _entry_hash(entry: dict[str, Any]) -> str:
    return hashlib.sha256(_canonical({k: v for k, v in entry.items() if k != "hash"})).hexdigest()


def read_entries(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                entries.append(json.loads(line))
            except ValueError:
                entries.append({"_unreadable": True})
    return entries


def append_entry(path: Path, command: str, params: dict[str, Any],
                 outputs: dict[str, Any]) -> dict[str, Any]:
    """Append one entry (the caller holds the case lock)."""
    from attrib.case.store import utc_now

    entries = read_entries(path)
    prev = entries[-1].get("hash", GENESIS) if entries else GENESIS
    entry = {"seq": len(entries) + 1, "time": utc_now(), "command": command, "params": params,
             "outputs": outputs, "tool_version": __version__, "prev": prev}
    entry["hash"] = _entry_hash(entry)
    line = _canonical(entry) + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    return entry


def verify_chain(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Return the entries and a list of problems (empty when the chain is intact)."""
    entries = read_entries(path)
    problems = []
    prev = GENESIS
    for i, e in enumerate(entries, start=1):
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

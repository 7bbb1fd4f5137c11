"""Command lines that reproduce a result, rebuilt from the case's audit log.

The audit log records every command run on the case with its parameters (file names,
not full paths), so the commands that built each source can be written out again.
"""

from __future__ import annotations

import shlex
from typing import Any

from attrib.case import DEFAULT_NUM_PERM, DEFAULT_POPULATION, DEFAULT_SCALE

_INIT_OPTIONS = (("scale", "--scale", DEFAULT_SCALE), ("num_perm", "--num-perm", DEFAULT_NUM_PERM),
                 ("population", "--population", DEFAULT_POPULATION))


def init_command(entry: dict[str, Any], case_arg: str) -> str:
    """``attrib case init`` as the audit log recorded it (defaults left out)."""
    params = entry.get("params", {})
    parts = ["attrib", "case", "init", case_arg]
    for key, option, default in _INIT_OPTIONS:
        if params.get(key) not in (None, default):
            parts += [option, str(params[key])]
    if params.get("examiner"):
        parts += ["--examiner", str(params["examiner"])]
    return shlex.join(parts)


def source_command(entry: dict[str, Any], case_arg: str) -> str:
    """``attrib source add`` or ``source import`` as the audit log recorded it."""
    params = entry.get("params", {})
    if entry["command"] == "source import":
        return shlex.join(["attrib", "source", "import", case_arg, str(params.get("file"))])
    parts = ["attrib", "source", "add", case_arg, str(params.get("file")),
             "--org", str(params.get("org")), "--snapshot", str(params.get("snapshot"))]
    for col, kind in sorted((params.get("map") or {}).items()):
        parts += ["--map", f"{col}={kind}"]
    if params.get("sheet"):
        parts += ["--sheet", str(params["sheet"])]
    if params.get("exact") is False:
        parts.append("--no-exact")
    return shlex.join(parts)


def rebuild_commands(entries: list[dict[str, Any]], sources: list[dict[str, Any]],
                     case_arg: str) -> list[str]:
    """The commands that built the case's sources, in the order the log records them.

    Args:
        entries: the audit log's entries (``attrib.case.audit.read_entries``).
        sources: the result's ``sources``; a source whose command the log lacks gets a
            comment line saying so.
        case_arg: how the case folder is named on the command lines.
    """
    wanted = {s["id"] for s in sources}
    lines: list[str] = []
    found: set[str] = set()
    for e in entries:
        command = e.get("command")
        if command == "case init":
            lines.append(init_command(e, case_arg))
        elif command in ("source add", "source import"):
            sid = str((e.get("outputs") or {}).get("source"))
            if sid in wanted and sid not in found:
                found.add(sid)
                lines.append(source_command(e, case_arg))
    lines += [f"# source {sid}: no command found in the audit log"
              for sid in sorted(wanted - found)]
    return lines


def attribution_entry(entries: list[dict[str, Any]], doc: dict[str, Any],
                      result_sha256: str) -> dict[str, Any] | None:
    """The audit entry that recorded this result (same result SHA-256), if any."""
    for e in reversed(entries):
        outputs = e.get("outputs") or {}
        if e.get("command") == "attribute" and outputs.get("result_sha256") == result_sha256:
            return e
    return None

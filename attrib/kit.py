"""Sketch kits: what an organisation needs to sketch its own data for a case.

An investigator exports a kit from a case (``attrib case export-kit``); the
organisation runs ``attrib sketch FILE --kit KIT ...`` on its own machine and sends back
the ``.sketch`` file; the investigator imports it (``attrib source import``), which
verifies that it was made with this case's key and parameters and is undamaged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrib.case import Case, check_date, check_org, open_case, utc_now
from attrib.case.fsutil import atomic_write, case_lock, refuse_shared_secret
from attrib.errors import SketchError, UsageError
from attrib.sketch import Sketch, SketchParams, from_bytes, write_sketch
from attrib.tokens import CaseKey

if TYPE_CHECKING:
    from attrib.engines import Engine

KIT_SCHEMA = "attrib.kit/1"

INSTRUCTIONS = """\
This kit lets your organisation compute a keyed sketch of a customer snapshot for
case {case_id}. The sketch contains keyed 64-bit tokens of a 1/{scale} sample of your
records' identifiers, counts and column kinds; it contains no name, number, address
or other value, and without this kit's key the tokens cannot be linked to anyone.

1. Install attrib (pip install attrib) on a machine that holds the snapshot.
2. Run, for each snapshot:
     attrib sketch SNAPSHOT_FILE --kit THIS_KIT --org YOUR_ORG_ID \\
       --snapshot YYYY-MM-DD -o OUT.sketch
   Check the column kinds it reports ('attrib inspect SNAPSHOT_FILE'); override with
   --map COLUMN=KIND if needed.
3. Send OUT.sketch back. Keep this kit secret and delete it when the case is closed.
"""


def export_kit(case_dir: Path, out: Path) -> dict[str, Any]:
    """Write a kit (key material + parameters + instructions), mode 0600."""
    case = open_case(case_dir)
    key = case.key()
    params = case.params
    kit = {
        "schema": KIT_SCHEMA,
        "case_id": case.case_id,
        "secret": key.secret.hex(),
        "params": params.to_dict(),
        "created": utc_now(),
        "instructions": INSTRUCTIONS.format(case_id=case.case_id, scale=params.scale),
    }
    atomic_write(Path(out), (json.dumps(kit, indent=2) + "\n").encode(), mode=0o600)
    with case_lock(case.path, wait=True):
        case.log("case export-kit", {"output": Path(out).name}, {"key_id": params.key_id})
    return kit


def load_kit(path: Path) -> tuple[CaseKey, SketchParams]:
    """Read a kit, refusing one that other users can read."""
    path = Path(path)
    try:
        st = path.stat()
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such kit file") from None
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"{path}: not an attrib kit (invalid JSON)") from None
    refuse_shared_secret(path, st, "kit file", UsageError)
    if not isinstance(data, dict) or data.get("schema") != KIT_SCHEMA:
        raise UsageError(f"{path}: not an attrib kit (schema {KIT_SCHEMA})")
    try:
        key = CaseKey(bytes.fromhex(data["secret"]), data["case_id"])
        params = SketchParams.from_dict(data["params"])
    except (KeyError, ValueError, TypeError):
        raise UsageError(f"{path}: kit is damaged") from None
    if key.key_id != params.key_id:
        raise UsageError(f"{path}: kit is damaged (key does not match its key id)")
    return key, params


def sketch_with_kit(file: Path, kit: Path, out: Path, *, org: str, snapshot: str,
                    mapping: dict[str, str] | None = None, sheet: str | None = None,
                    exact: bool = False, batch_rows: int | None = None,
                    progress: bool = False, engine: str | Engine | None = None,
                    max_rows: int | None = None) -> Sketch:
    """``attrib sketch``: sketch a snapshot with a kit's key and parameters.

    ``engine`` (a name or an ``attrib.engines`` engine; default local) decides where the
    kernel runs; every engine writes the same bytes for the same input.
    """
    from attrib import engines

    key, params = load_kit(kit)
    sk = engines.resolve(engine).sketch(
        file, key, params, kind="source",
        meta={"org": check_org(org), "snapshot": check_date(snapshot), "sketched": utc_now()},
        mapping=mapping, sheet=sheet, exact=exact, max_rows=max_rows, batch_rows=batch_rows,
        progress=progress)
    atomic_write(Path(out), lambda fh: write_sketch(sk, fh))
    return sk


def read_sketch_file(path: Path) -> Sketch:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise SketchError(f"{path}: no such sketch file") from None
    except IsADirectoryError:
        raise SketchError(f"{path}: is a directory, not a sketch file") from None
    except PermissionError:
        raise SketchError(f"{path}: permission denied") from None
    try:
        return from_bytes(data, name=str(path))
    except (KeyError, TypeError, AttributeError, IndexError, ValueError):
        # Anyone can give a hostile header a valid SHA-256: its shape is not attrib's.
        raise SketchError(f"{path}: sketch file is malformed") from None


def check_compatible(case: Case, sk: Sketch, name: str) -> None:
    """Refuse a sketch made with another key, other parameters, or not of a source."""
    if sk.kind != "source":
        raise SketchError(f"{name}: is a {sk.kind} sketch, not a source snapshot sketch")
    if sk.params.key_id != case.params.key_id:
        raise SketchError(f"{name}: was made with another case's key (key id "
                          f"{sk.params.key_id}, this case {case.params.key_id}); "
                          "sketch again with this case's kit")
    if sk.params != case.params:
        diff = ", ".join(f"{k} {v} (case {case.params.to_dict()[k]})"
                         for k, v in sk.params.to_dict().items()
                         if case.params.to_dict()[k] != v)
        raise SketchError(f"{name}: was made with other parameters: {diff}")


def import_sketch(case_dir: Path, path: Path) -> dict[str, Any]:
    """``attrib source import``: verify a sketch and add it as a source snapshot."""
    case = open_case(case_dir)
    with case_lock(case.path):
        case = open_case(case_dir)
        sk = read_sketch_file(path)
        check_compatible(case, sk, str(path))
        entry = case.add_source(sk, origin="imported")
        case.log("source import", {"file": Path(path).name},
                 {"source": entry["id"], "sketch_sha256": entry["sketch_sha256"]})
    return entry


def sketch_summary(sk: Sketch) -> dict[str, Any]:
    """``attrib sketch info``: parameters, provenance and sizes; never personal data."""
    return {
        "schema": "attrib.sketch-info/1",
        "kind": sk.kind,
        "org": sk.meta.get("org"),
        "snapshot": sk.meta.get("snapshot"),
        "params": sk.params.to_dict(),
        "tool_version": sk.tool_version,
        "input": sk.meta.get("input", {}),
        "kinds": sk.kinds,
        "columns": sk.meta.get("columns", []),
        "quality": sk.meta.get("quality", {}),
        "counts": sk.counts,
        "sampled_tokens": {t: int(a.size) for t, a in sorted(sk.sampled.items())},
        "exact_tokens": ({t: int(a.size) for t, a in sorted(sk.exact.items())}
                         if sk.exact is not None else None),
    }

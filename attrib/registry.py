"""The leak registry an investigator keeps across cases, and ``attrib leaks``.

Why a registry needs its own key. Every case keys its tokens with its own secret, so
the same phone number gives unrelated tokens in two cases and case sketches cannot be
compared across cases (by design: a sketch reveals nothing to whoever lacks its key).
A registry is therefore a folder with its *own* key, made like a case key (32 random
bytes, mode 0600, ``key_id`` public), and every list registered in it is re-sketched
from its file under that key. Registering needs the leaked file itself; it stores
only registry-keyed tokens: the list's fingerprint (datasketch MinHash), a
FracMinHash sample of its anchor tokens (scale ``scale``, default 10: leaks are small,
so the registry keeps more of each than a case does of a source), counts and the
file's SHA-256, name and row count. Holding the registry and its key lets one test
whether a guessed person is in a registered list, exactly as a case does: keep it
like a case.

Layout::

    REGISTRY/registry.json        manifest: registry_id, params, entries [...]
    REGISTRY/key                  {"registry_id", "secret"} (hex), mode 0600
    REGISTRY/leaks/reg-SHA12.sketch
    REGISTRY/audit.jsonl          hash-chained log of registrations

Within one case no registry is needed: all leak sketches share the case key.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from attrib.case import utc_now
from attrib.case.audit import append_entry
from attrib.case.fsutil import atomic_write, case_lock, sha256_bytes
from attrib.case.store import read_key_file
from attrib.errors import CaseError, IntegrityError, UsageError
from attrib.leaklinks import LinkSettings, ListTokens, find_links, links_to
from attrib.sketch import Sketch, SketchParams, from_bytes, to_bytes
from attrib.tokens import CaseKey

REGISTRY_SCHEMA = "attrib.registry/1"
DEFAULT_REGISTRY_SCALE = 10


# ---------------------------------------------------------------------------
# Links among a case's leaks


def case_leak_links(case_dir: Path, registry: Path | None = None,
                    settings: LinkSettings | None = None) -> dict[str, Any]:
    """``attrib leaks CASE_DIR``: the case's leaks and how they relate.

    Args:
        case_dir: the case folder.
        registry: a leak registry; each leak whose file (same SHA-256) is registered
            there is marked with its registry entry. Near-duplicates of a case leak in
            the registry need its file: ``attrib leaks search REGISTRY FILE``.
        settings: thresholds.
    """
    from attrib.case import open_case

    settings = settings or LinkSettings()
    case = open_case(case_dir)
    entries = case.leaks()
    items = [ListTokens.of(e["id"], case.read_sketch(e)) for e in entries]
    registered = _registered_by_sha(Path(registry)) if registry else {}
    leaks = [{"id": e["id"], "file": e["input"].get("file"), "sha256": e["input"].get("sha256"),
              "rows": e.get("rows"), "added": e.get("added"),
              "identifiers": i.size, "registry": registered.get(e["input"].get("sha256"), [])}
             for e, i in zip(entries, items, strict=True)]
    return {"schema": "attrib.leaks/1", "case_id": case.case_id, "leaks": leaks,
            "links": [x.to_dict() for x in find_links(items, settings)],
            "settings": settings.to_dict()}


# ---------------------------------------------------------------------------
# The registry folder


def _key_path(folder: Path) -> Path:
    return folder / "key"


def _manifest_path(folder: Path) -> Path:
    return folder / "registry.json"


def init_registry(folder: Path, *, scale: int = DEFAULT_REGISTRY_SCALE, num_perm: int = 128,
                  seed: int = 1) -> dict[str, Any]:
    """Create an empty registry folder with a fresh key; return its manifest."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise CaseError(f"{folder}: already exists and is not an empty folder")
    if scale < 1 or num_perm < 16:
        raise UsageError("invalid parameters: --scale >= 1, --num-perm >= 16")
    folder.mkdir(parents=True, exist_ok=True)
    registry_id = "registry-" + str(uuid.uuid4())
    key = CaseKey(secrets.token_bytes(32), registry_id)
    atomic_write(_key_path(folder), (json.dumps({"registry_id": registry_id,
                                                 "secret": key.secret.hex()}) + "\n").encode(),
                 mode=0o600)
    params = SketchParams(scale=scale, num_perm=num_perm, seed=seed, key_id=key.key_id)
    manifest = {"schema": REGISTRY_SCHEMA, "registry_id": registry_id, "created": utc_now(),
                "params": params.to_dict(), "entries": []}
    with case_lock(folder):
        _save_manifest(folder, manifest)
        append_entry(folder / "audit.jsonl", "registry init", {"scale": scale},
                     {"registry_id": registry_id, "key_id": key.key_id})
    return manifest


def _save_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    atomic_write(_manifest_path(folder), data.encode())


def _load_manifest(folder: Path) -> dict[str, Any]:
    path = _manifest_path(folder)
    if not path.is_file():
        raise CaseError(f"{folder}: not a leak registry (registry.json is missing; "
                        "'attrib leaks register' creates one)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise CaseError(f"{path}: registry manifest is damaged (not valid JSON)") from None
    if manifest.get("schema") != REGISTRY_SCHEMA:
        raise CaseError(f"{path}: unknown registry schema {manifest.get('schema')!r}")
    return dict(manifest)


def _load_key(folder: Path, manifest: dict[str, Any]) -> CaseKey:
    path = _key_path(folder)
    key = read_key_file(path, id_field="registry_id", owner="registry")
    if key.key_id != manifest["params"]["key_id"] or key.case_id != manifest["registry_id"]:
        raise CaseError(f"{path}: key does not belong to this registry")
    return key


def _read_entry_sketch(folder: Path, entry: dict[str, Any]) -> Sketch:
    path = folder / entry["sketch"]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IntegrityError(f"{path}: sketch file is missing from the registry") from None
    if sha256_bytes(data) != entry["sketch_sha256"]:
        raise IntegrityError(f"{path}: sketch file was modified outside attrib (SHA-256 "
                             "differs from registry.json)")
    return from_bytes(data, name=str(path))


def _registered_by_sha(folder: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for e in _load_manifest(folder)["entries"]:
        out.setdefault(e["sha256"], []).append(e["id"])
    return out


def _sketch_file(path: Path, key: CaseKey, params: SketchParams,
                 mapping: Mapping[str, str] | None, sheet: str | None) -> Sketch:
    """Sketch a leaked file under the registry key: sample and fingerprint, no records."""
    from attrib.api import sketch_table

    sk = sketch_table(Path(path), key, params, kind="registry", meta={}, mapping=mapping,
                      sheet=sheet, exact=True)
    # The exact tier only serves to count the list's distinct persons (the ensemble's
    # set size); the registry keeps the sample.
    items = ListTokens.of("query", sk)
    return replace(sk.with_meta(persons=items.size), exact=None)


def _items(folder: Path, manifest: dict[str, Any]) -> list[ListTokens]:
    out = []
    for e in manifest["entries"]:
        sk = _read_entry_sketch(folder, e)
        out.append(replace(ListTokens.of(e["id"], sk), size=int(sk.meta.get("persons", 1))))
    return out


def _query(sk: Sketch) -> ListTokens:
    return replace(ListTokens.of("query", sk), size=int(sk.meta.get("persons", 1)))


def _entry_view(e: dict[str, Any]) -> dict[str, Any]:
    return {k: e.get(k) for k in ("id", "file", "sha256", "rows", "persons", "label", "added")}


def register_leak(registry: Path, path: Path, *, label: str | None = None,
                  mapping: Mapping[str, str] | None = None, sheet: str | None = None,
                  settings: LinkSettings | None = None) -> dict[str, Any]:
    """``attrib leaks register``: add a leaked file to the registry (created if absent).

    Returns:
        ``entry`` (the registration), ``created`` (a new registry), ``already`` (the
        same file was registered before; nothing changed) and ``links`` to the lists
        registered earlier.
    """
    folder = Path(registry)
    created = not _manifest_path(folder).exists()
    if created:
        init_registry(folder)
    with case_lock(folder):
        manifest = _load_manifest(folder)
        key = _load_key(folder, manifest)
        params = SketchParams.from_dict(manifest["params"])
        sk = _sketch_file(path, key, params, mapping, sheet)
        digest = sk.meta["input"]["sha256"]
        same = [e for e in manifest["entries"] if e["sha256"] == digest]
        if same:
            return {"entry": _entry_view(same[0]), "created": created, "already": True,
                    "links": []}
        links = links_to(_query(sk), _items(folder, manifest), settings)
        rid = f"reg-{digest[:12]}"
        data = to_bytes(sk)
        rel = f"leaks/{rid}.sketch"
        atomic_write(folder / rel, data)
        entry = {"id": rid, "file": sk.meta["input"]["file"], "sha256": digest,
                 "rows": sk.rows, "persons": sk.meta["persons"], "label": label,
                 "added": utc_now(), "sketch": rel, "sketch_sha256": sha256_bytes(data)}
        manifest["entries"].append(entry)
        _save_manifest(folder, manifest)
        append_entry(folder / "audit.jsonl", "leaks register",
                     {"file": entry["file"], "label": label, "map": dict(mapping or {})},
                     {"id": rid, "sha256": digest, "sketch_sha256": entry["sketch_sha256"]})
    return {"entry": _entry_view(entry), "created": created, "already": False,
            "links": [_named(x.to_dict(), "query", entry["id"]) for x in links]}


def search_leak(registry: Path, path: Path, *, mapping: Mapping[str, str] | None = None,
                sheet: str | None = None, settings: LinkSettings | None = None
                ) -> dict[str, Any]:
    """``attrib leaks search``: registered lists the file duplicates, contains or is in."""
    folder = Path(registry)
    manifest = _load_manifest(folder)
    key = _load_key(folder, manifest)
    sk = _sketch_file(path, key, SketchParams.from_dict(manifest["params"]), mapping, sheet)
    digest = sk.meta["input"]["sha256"]
    entries = {e["id"]: e for e in manifest["entries"]}
    links = links_to(_query(sk), _items(folder, manifest), settings)
    return {"schema": "attrib.leak-search/1", "registry_id": manifest["registry_id"],
            "file": sk.meta["input"]["file"], "sha256": digest, "rows": sk.rows,
            "identical": [e["id"] for e in manifest["entries"] if e["sha256"] == digest],
            "links": [{**_named(x.to_dict(), "query", None),
                       "registered": _entry_view(entries[x.b])} for x in links],
            "settings": (settings or LinkSettings()).to_dict()}


def _named(link: dict[str, Any], query_id: str, new_id: str | None) -> dict[str, Any]:
    """A link of the query list, its ``a`` renamed to what the query is now."""
    if new_id is not None and link["a"] == query_id:
        link["a"] = new_id
    return link

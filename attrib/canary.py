"""Canary records: synthetic persons an organisation plants in its own data.

``attrib canary generate`` makes plausible persons (real-looking names and addresses,
national IDs with valid check digits, mobiles in number ranges that no operator
serves), writes them to a file for the organisation to plant, and registers them in
the case under that organisation as keyed tokens only (``CASE/canaries/ORG.json``).
A leak that contains one of them passed through that organisation's hands.

Why phones decide. A canary must not be anyone real, or a real person's record in
another organisation's list would look like a canary. Any national ID with a valid
check digit may belong to a real person (about one in sixty of the valid-looking
numbers does), and names with birth dates repeat; a mobile number in a range that is
not assigned to any operator belongs to nobody. So a leak record *matches* a canary:

* on any token built on the canary's phone: ``phone``, ``name_phone``,
  ``masked_phone_name``, ``masked_phone_dob`` (a ``154****1234`` mask is as
  unassigned as the full number), or
* on its national ID *and* its name + birth date in the same record (a real person
  with that ID would also need that name).

Number ranges (``UNASSIGNED_PREFIXES``): 11-digit mobiles starting 154, 179 or 194.
The MIIT numbering plan gives mobile services 13x-19x, but these three blocks are
assigned to no operator: Google's libphonenumber metadata for CN (the mobile pattern
``1(?:[38]\\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\\d{8}``, plus ``1610``/``1740``
sub-blocks) excludes them, and generation re-checks every number against the installed
``phonenumbers`` copy of that metadata. A number that ``phonenumbers`` calls valid is
never issued; the version used is recorded with the canaries. attrib's own normaliser
reads them as ordinary valid mobiles (``1[3-9]`` + 9 digits), so they are tokenised
like every other phone. Ranges can be assigned later: regenerate canaries when the
metadata says a range has become valid (docs/evidence.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from attrib.errors import CaseError, IntegrityError
from attrib.tokens import CaseKey, masked_record_tokens, record_tokens

CANARY_SCHEMA = "attrib.canaries/1"
#: Mobile prefixes assigned to no operator (module docstring).
UNASSIGNED_PREFIXES = ("154", "179", "194")
#: Tokens that identify a canary on their own (all built on its unassigned phone).
SOLE_TRIGGERS = ("phone", "name_phone", "masked_phone_name", "masked_phone_dob")
#: Tokens that identify a canary only together, in the same leak record.
JOINT_TRIGGERS = ("national_id", "name_dob")
#: Bound on the chance that a list not taken from the organisation's data contains one
#: of its canaries (a range assigned since and a real person given the very number, or
#: the canary file leaking from the investigator): the posterior left to the other
#: hypotheses when a canary matches (docs/evidence.md).
FALSE_MATCH_RATE = 1e-6
#: Columns of the file handed to the organisation, in order.
EXPORT_COLUMNS = {"name": "姓名", "gender": "性别", "birth_date": "出生日期",
                  "national_id": "身份证号", "phone": "手机号", "address": "地址"}


@dataclass(frozen=True)
class CanarySet:
    """The canaries registered under one organisation (keyed tokens only)."""

    org: str
    key_id: str
    canaries: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": CANARY_SCHEMA, "org": self.org, "key_id": self.key_id,
                "canaries": self.canaries}

    @classmethod
    def from_dict(cls, d: dict[str, Any], *, name: str = "canaries") -> CanarySet:
        if d.get("schema") != CANARY_SCHEMA:
            raise CaseError(f"{name}: not an attrib canary file (schema {CANARY_SCHEMA})")
        return cls(org=str(d["org"]), key_id=str(d["key_id"]), canaries=list(d["canaries"]))

    def token_frame(self) -> pl.DataFrame:
        """One row per (canary, token type, token): what leak records are joined with."""
        rows = [(c["id"], t, int(v, 16)) for c in self.canaries for t, v in c["tokens"].items()]
        return pl.DataFrame(rows, schema={"canary": pl.String, "type": pl.String,
                                          "token": pl.UInt64}, orient="row")


# ---------------------------------------------------------------------------
# Generation


def unassigned_phones(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct 11-digit mobiles in unassigned ranges, checked with phonenumbers.

    Raises:
        CaseError: the installed metadata now calls a range valid (it was assigned).
    """
    import phonenumbers

    prefix = np.asarray(UNASSIGNED_PREFIXES)[rng.integers(0, len(UNASSIGNED_PREFIXES), n)]
    rest = rng.choice(10**8, n, replace=False)
    numbers = [f"{p}{r:08d}" for p, r in zip(prefix, rest, strict=True)]
    for p in UNASSIGNED_PREFIXES:
        probe = phonenumbers.parse(f"+86{p}00000000", None)
        if phonenumbers.is_valid_number(probe):
            raise CaseError(f"mobile range {p} is assigned in phonenumbers "
                            f"{phonenumbers.__version__}; update attrib.canary")
    return numbers


def make_canary_persons(rng: np.random.Generator, n: int) -> pl.DataFrame:
    """Plausible synthetic persons: the fields of ``EXPORT_COLUMNS``, canonical values.

    Names, birth dates, ID region codes and addresses come from the synthetic world's
    generators (``attrib.synth``), so canaries look like the customers around them; the
    address lies in the district the ID was issued in.
    """
    from attrib.synth import ids
    from attrib.synth.population import (
        birth_days,
        iso_dates,
        make_addresses,
        make_names,
        pick_districts,
        pick_prefectures,
        region_codes,
    )

    male = rng.random(n) < 0.5
    name, _, _ = make_names(rng, male)
    born = birth_days(rng, n)
    pref = pick_prefectures(rng, n)
    dist = pick_districts(rng, pref)
    return pl.DataFrame({
        "name": name,
        "gender": pl.Series(np.where(male, "男", "女")),
        "birth_date": iso_dates(born),
        "national_id": ids.make_national_ids(rng, region_codes(pref, dist), born, male),
        "phone": pl.Series(unassigned_phones(rng, n)),
        "address": make_addresses(rng, pref, dist),
    })


def canary_tokens(persons: pl.DataFrame, key: CaseKey) -> list[dict[str, str]]:
    """Per person, the trigger tokens (hex) of :data:`SOLE_TRIGGERS` + :data:`JOINT_TRIGGERS`.

    The persons are normalised exactly as any list is (``attrib.fields``), so the tokens
    equal those of the same person in a leak.
    """
    from attrib.fields import detect_columns, normalise

    frame = persons.rename({k: v for k, v in EXPORT_COLUMNS.items() if k in persons.columns})
    kinds = {v: "other" if k == "gender" else k for k, v in EXPORT_COLUMNS.items()}
    norm = normalise(frame, detect_columns(frame, overrides=kinds)).frame
    wanted = set(SOLE_TRIGGERS) | set(JOINT_TRIGGERS)
    rt = pl.concat([record_tokens(norm, key).frame, masked_record_tokens(norm, key).frame])
    rt = rt.filter(pl.col("type").is_in(sorted(wanted))).sort("row", "type")
    out: list[dict[str, str]] = [{} for _ in range(persons.height)]
    for row, ttype, token in rt.select("row", "type", "token").iter_rows():
        out[row][ttype] = format(token, "016x")
    return out


def new_canary_ids(n: int, taken: set[str]) -> list[str]:
    """Opaque canary identifiers (they reveal neither the organisation nor a count)."""
    out: list[str] = []
    while len(out) < n:
        cid = "cny-" + secrets.token_hex(5)
        if cid not in taken:
            taken.add(cid)
            out.append(cid)
    return out


def register(existing: CanarySet | None, org: str, key: CaseKey, persons: pl.DataFrame,
             planted: str) -> tuple[CanarySet, list[str]]:
    """Add canaries to an organisation's set; return the set and the new ids.

    Raises:
        CaseError: a new canary shares a trigger token with one already registered.
    """
    current = existing or CanarySet(org=org, key_id=key.key_id)
    if current.key_id != key.key_id:
        raise CaseError(f"canaries of {org} were made under another case key")
    tokens = canary_tokens(persons, key)
    seen = {v for c in current.canaries for t, v in c["tokens"].items() if t in SOLE_TRIGGERS}
    if any(v in seen for tk in tokens for t, v in tk.items() if t in SOLE_TRIGGERS):
        raise CaseError("a new canary repeats a registered one; generate again")
    ids = new_canary_ids(persons.height, {c["id"] for c in current.canaries})
    added = [{"id": cid, "planted": planted, "tokens": tk}
             for cid, tk in zip(ids, tokens, strict=True)]
    return CanarySet(org, current.key_id, [*current.canaries, *added]), ids


def export_frame(persons: pl.DataFrame) -> pl.DataFrame:
    """The persons as the organisation receives them (Chinese headers, no canary ids)."""
    return persons.select([pl.col(k).alias(v) for k, v in EXPORT_COLUMNS.items()])


# ---------------------------------------------------------------------------
# Matching


@dataclass(frozen=True)
class CanaryMatch:
    """One canary found in a leak: which, whose, where (1-based rows), by which tokens."""

    canary: str
    org: str
    planted: str
    records: list[int]
    matched_by: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.canary, "org": self.org, "planted": self.planted,
                "records": self.records, "matched_by": self.matched_by}


def match_canaries(records: pl.DataFrame, sets: list[CanarySet]) -> list[CanaryMatch]:
    """Canaries found in a leak's record tokens (a join, no per-record Python loop).

    Args:
        records: the leak's tokens in long form (``Sketch.records``: row, type, token).
        sets: the case's canaries.

    Returns:
        One match per canary found, ordered by organisation and canary id.
    """
    frames = [s.token_frame().with_columns(pl.lit(s.org).alias("org")) for s in sets
              if s.canaries]
    if not frames or records.height == 0:
        return []
    canaries = pl.concat(frames)
    hits = records.select("row", "type", "token").join(canaries, on=["type", "token"])
    sole = hits.filter(pl.col("type").is_in(SOLE_TRIGGERS))
    joint = (hits.filter(pl.col("type").is_in(JOINT_TRIGGERS))
             .group_by("row", "canary", "org").agg(pl.col("type").n_unique().alias("k"),
                                                    pl.col("type"))
             .filter(pl.col("k") == len(JOINT_TRIGGERS)).explode("type").drop("k"))
    found = pl.concat([sole.select("row", "canary", "org", "type"),
                       joint.select("row", "canary", "org", "type")])
    if found.height == 0:
        return []
    planted = {c["id"]: c["planted"] for s in sets for c in s.canaries}
    summary = (found.group_by("canary", "org")
               .agg((pl.col("row").unique().sort() + 1).alias("records"),
                    pl.col("type").unique().sort().alias("matched_by"))
               .sort("org", "canary"))
    return [CanaryMatch(r["canary"], r["org"], planted[r["canary"]],
                        [int(x) for x in r["records"]], list(r["matched_by"]))
            for r in summary.iter_rows(named=True)]


# ---------------------------------------------------------------------------
# Case folder: CASE/canaries/ORG.json, each write recorded (with its SHA-256) in the
# audit log, so a canary file edited outside attrib (a canary added to frame an
# organisation) is refused.

CANARY_DIR = "canaries"
AUDIT_COMMAND = "canary generate"


def canary_path(case_path: Path, org: str) -> Path:
    return Path(case_path) / CANARY_DIR / f"{org}.json"


def dumps(cs: CanarySet) -> bytes:
    """The canary file's bytes (canonical: sorted keys)."""
    return (json.dumps(cs.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
            ).encode()


def recorded_hashes(case_path: Path) -> dict[str, str]:
    """Per organisation, the SHA-256 of its canary file as last recorded in the audit log."""
    from attrib.case.audit import read_entries

    out: dict[str, str] = {}
    for e in read_entries(Path(case_path) / "audit.jsonl"):
        if e.get("command") == AUDIT_COMMAND:
            outputs = e.get("outputs") or {}
            out[str(outputs.get("org"))] = str(outputs.get("canaries_sha256"))
    return out


def read_canary_set(case_path: Path, org: str, recorded: dict[str, str]) -> CanarySet | None:
    """One organisation's canaries, checked against the audit log (None if it has none).

    Raises:
        IntegrityError: the file differs from what ``canary generate`` recorded.
    """
    from attrib.case.store import staged_path

    path = canary_path(case_path, org)
    staged = staged_path(path)
    if staged.exists() and recorded.get(org) == hashlib.sha256(staged.read_bytes()).hexdigest():
        # A run killed after the audit log recorded the new set but before it was moved
        # into place: the recorded (staged) content is the committed one.
        return _parse_canaries(staged.read_bytes(), staged)
    if not path.exists():
        return None
    data = path.read_bytes()
    if recorded.get(org) != hashlib.sha256(data).hexdigest():
        raise IntegrityError(f"{path}: canary file was modified outside attrib (SHA-256 "
                             "differs from the audit log); restore it from a copy of the case")
    return _parse_canaries(data, path)


def _parse_canaries(data: bytes, path: Path) -> CanarySet:
    try:
        return CanarySet.from_dict(json.loads(data), name=str(path))
    except (ValueError, KeyError, TypeError):
        raise CaseError(f"{path}: canary file is damaged") from None


def read_case_canaries(case_path: Path) -> list[CanarySet]:
    """Every organisation's canaries in a case folder, integrity-checked."""
    folder = Path(case_path) / CANARY_DIR
    if not folder.is_dir():
        return []
    recorded = recorded_hashes(case_path)
    sets = [read_canary_set(case_path, p.stem, recorded) for p in sorted(folder.glob("*.json"))]
    return [s for s in sets if s is not None]


def today() -> str:
    return dt.date.today().isoformat()


# ---------------------------------------------------------------------------
# The operations behind ``attrib canary`` (re-exported by attrib.api)

EXPORT_FORMATS = (".csv", ".jsonl", ".xlsx")


def _export_bytes(frame: pl.DataFrame, out: Path) -> bytes:
    suffix = out.suffix.lower()
    if suffix == ".csv":
        return frame.write_csv().encode("utf-8")
    if suffix == ".jsonl":
        return frame.write_ndjson().encode("utf-8")
    import io

    buf = io.BytesIO()
    frame.write_excel(buf, worksheet="canaries")
    return buf.getvalue()


def generate_canaries(case_dir: Path, *, org: str, n: int, out: Path,
                      seed: int | None = None) -> dict[str, Any]:
    """``attrib canary generate``: make, register and export canary records.

    Args:
        case_dir: the case folder.
        org: the organisation that will plant them.
        n: how many.
        out: the file handed to the organisation (.csv, .jsonl or .xlsx).
        seed: random seed (tests; by default the canaries are unpredictable).

    Returns:
        ``org``, ``count``, ``ids``, ``file``, ``file_sha256``, ``canaries_file``,
        ``canaries_sha256`` and ``total`` (the organisation's canaries now).
    """
    from attrib.case import check_org, open_case
    from attrib.case.fsutil import atomic_write, case_lock, replace_file, sha256_bytes
    from attrib.case.store import staged_path
    from attrib.errors import UsageError

    org = check_org(org)
    out = Path(out)
    if not 1 <= n <= 100_000:
        raise UsageError(f"invalid -n {n}: generate between 1 and 100000 canaries")
    if out.suffix.lower() not in EXPORT_FORMATS:
        raise UsageError(f"invalid -o {out.name}: the file must end in "
                         f"{', '.join(EXPORT_FORMATS)}")
    case = open_case(case_dir)
    with case_lock(case.path):
        case = open_case(case_dir)
        key = case.key()
        existing = read_canary_set(case.path, org, recorded_hashes(case.path))
        rng = np.random.default_rng(secrets.randbits(64) if seed is None else seed)
        persons = make_canary_persons(rng, n)
        cs, ids = register(existing, org, key, persons, today())
        exported = _export_bytes(export_frame(persons), out)
        data = dumps(cs)
        atomic_write(out, exported, mode=0o600)
        rel = canary_path(case.path, org)
        # Stage, record in the audit log (the commit point: the log names the canary
        # set's hash), then move into place; a kill at any moment leaves a valid set.
        staged = staged_path(rel)
        atomic_write(staged, data)
        facts = {"org": org, "count": n, "ids": ids, "file": out.name,
                 "file_sha256": sha256_bytes(exported),
                 "canaries_file": f"{CANARY_DIR}/{org}.json",
                 "canaries_sha256": sha256_bytes(data), "total": len(cs.canaries)}
        case.log(AUDIT_COMMAND, {"org": org, "n": n, "file": out.name}, facts)
        replace_file(staged, rel)
    return facts


def list_canaries(case_dir: Path) -> dict[str, Any]:
    """``attrib canary list``: the case's canaries per organisation (ids, no values)."""
    from attrib.case import open_case

    case = open_case(case_dir)
    sets = read_case_canaries(case.path)
    return {"schema": "attrib.canary-list/1", "case_id": case.case_id,
            "organisations": [{"org": s.org, "count": len(s.canaries),
                               "canaries": [{"id": c["id"], "planted": c["planted"]}
                                            for c in s.canaries]} for s in sets]}

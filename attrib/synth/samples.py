"""The bundled sample set: source exports, a handful of leaks, and a manifest.

``write_samples(world, out_dir, seed)`` writes::

    <out>/sources/<org>_<date>.<ext>   one file per in-case snapshot, in the org's format
    <out>/leaks/<name>.<ext>           six leaks, one per headline scenario
    <out>/manifest.json                schema "attrib.samples/1": files, formats, truth
    <out>/README.md                    a human index of the above

The output is a pure function of the world and the seed: running it twice gives the
same bytes (``python -m attrib.synth samples --seed 7 --out samples``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from attrib.synth.exports import EXPORTS, export_frame, export_notes, source_filename
from attrib.synth.leaks import build_leak
from attrib.synth.render import Style, write_table
from attrib.synth.world import World

SCHEMA = "attrib.samples/1"
GENERATOR = "python -m attrib.synth samples --seed {seed} --out samples"


@dataclass(frozen=True)
class LeakPlan:
    """One sample leak: family, options, and how the seller's file is written."""

    name: str
    family: str
    opts: dict
    fmt: str
    encoding: str = "utf-8"
    notes: bool = False


def _plan(family: str, fmt: str, encoding: str = "utf-8", notes: bool = False, **opts) -> LeakPlan:
    return LeakPlan(family, family, opts, fmt, encoding, notes)


def _plans(world: World) -> list[LeakPlan]:
    """The six sample leaks: one per headline scenario, sized to keep samples/ small."""
    latest = {o: spec.snapshots[-1] for o, spec in world.orgs.items()}
    car_fields = ["name", "national_id", "phone", "address", "plate"]
    return [
        # The YTO-style case: a seller's headerless Windows CSV of car-insurance customers.
        _plan(
            "plain",
            "csv",
            "gb18030",
            org="insurer_a",
            snapshot=latest["insurer_a"],
            fraction=0.15,
            headerless=True,
            fields=car_fields,
        ),
        # The dealer's customers are all in the authority and most in an insurer.
        _plan(
            "nested",
            "xlsx",
            notes=True,
            org="dealer",
            variant="small",
            snapshot=latest["dealer"],
            fraction=0.6,
            fields=["name", "phone", "plate", "address"],
            style=Style(headers="zh2", phone="dash", plate="plain", seed=11),
        ),
        _plan(
            "mixture",
            "jsonl",
            rows=600,
            fields=["name", "phone", "address"],
            headerless=False,
            components=[
                ("bank", latest["bank"], 0.5),
                ("courier", latest["courier"], 0.3),
                ("telecom", latest["telecom"], 0.2),
            ],
        ),
        _plan(
            "padded",
            "csv",
            org="courier",
            snapshot=latest["courier"],
            rows=700,
            pad_fraction=0.3,
            padding="both",
            headerless=False,
        ),
        # Only the oldest of insurer_a's three snapshots explains this one.
        _plan(
            "time",
            "csv",
            "utf-8-sig",
            org="insurer_a",
            snapshot=world.org("insurer_a").snapshots[0],
            fraction=0.2,
            headerless=False,
            fields=["name", "phone", "birth_date", "address", "plate"],
        ),
        # insurer_c is not in the case; vla and insurer_a contain most of its customers.
        _plan(
            "absent",
            "csv",
            org="insurer_c",
            snapshot=latest["insurer_c"],
            fraction=0.25,
            headerless=False,
            fields=car_fields,
        ),
    ]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _clean(folder: Path) -> None:
    """Remove files a previous run wrote (only generated folders are touched)."""
    if folder.is_dir():
        for f in sorted(folder.iterdir()):
            if f.is_file():
                f.unlink()


def write_sources(world: World, out_dir: Path, snapshots: list[tuple[str, str]]) -> list[dict]:
    """Export the given (org, date) snapshots into ``out_dir/sources``."""
    entries = []
    for org, date in snapshots:
        exp = EXPORTS[org]
        frame = export_frame(world, org, date)
        rel = f"sources/{source_filename(org, date)}"
        path = write_table(
            frame,
            out_dir / rel,
            exp.fmt,
            exp.encoding,
            True,
            sheet=exp.sheet,
            notes=export_notes(world, org, date, frame.height),
            notes_sheet=exp.notes_sheet or "notes",
            crlf=exp.crlf,
        )
        entries.append(
            {
                "file": rel,
                "org": org,
                "org_name": world.orgs[org].name,
                "org_name_zh": world.orgs[org].name_zh,
                "kind": world.orgs[org].kind,
                "snapshot": date,
                "format": exp.fmt,
                "encoding": exp.encoding,
                "has_header": True,
                "sheet": exp.sheet if exp.fmt == "xlsx" else None,
                "rows": frame.height,
                "sha256": _sha256(path),
            }
        )
    return entries


def _seller_notes(rows: int) -> pl.DataFrame:
    return pl.DataFrame(
        {"说明": [f"共{rows}条，实时更新，不满意可换", "批量优惠，联系QQ 2837461950"]}
    )


def write_samples(
    world: World,
    out_dir: str | Path,
    seed: int | None = None,
    *,
    all_snapshots: bool = False,
) -> Path:
    """Write the sample set and return the path of ``manifest.json``.

    Args:
        world: the world (normally ``build_world(seed, "small")``).
        out_dir: target folder; its ``sources/`` and ``leaks/`` are regenerated.
        seed: seed of the leaks (default: the world's seed).
        all_snapshots: write every in-case snapshot. By default only the latest
            snapshot of each org plus every snapshot of the org of the ``time`` leak
            (and any other a leak comes from) are written, to keep the set small.

    Returns:
        Path of the manifest.
    """
    seed = world.seed if seed is None else int(seed)
    out = Path(out_dir)
    for sub in ("sources", "leaks"):
        _clean(out / sub)
    plans = _plans(world)
    rng = np.random.default_rng([seed, 1])
    leaks = [(p, build_leak(world, p.family, int(rng.integers(2**31)), **p.opts)) for p in plans]

    # The time leak is only meaningful next to every snapshot of its org.
    time_orgs = {lk.truth["org"] for _, lk in leaks if lk.truth["family"] == "time"}
    used = {(c["org"], c["snapshot"]) for _, lk in leaks for c in lk.truth["components"]}
    wanted = [
        (org.id, date)
        for org in world.in_case_orgs()
        for date in org.snapshots
        if all_snapshots
        or date == org.snapshots[-1]
        or org.id in time_orgs
        or (org.id, date) in used
    ]
    sources = write_sources(world, out, wanted)

    leak_entries = []
    for plan, leak in leaks:
        rel = f"leaks/{plan.name}.{plan.fmt}"
        path = write_table(
            leak.frame,
            out / rel,
            plan.fmt,
            plan.encoding,
            leak.style.has_header,
            sheet="Sheet1",
            notes=_seller_notes(leak.frame.height) if plan.notes else None,
            notes_sheet="说明",
            crlf=plan.encoding == "gb18030",
        )
        truth = {k: v for k, v in leak.truth.items() if k != "style"}
        leak_entries.append(
            {
                "file": rel,
                "format": plan.fmt,
                "encoding": plan.encoding,
                "has_header": leak.style.has_header,
                "rows": leak.frame.height,
                "sha256": _sha256(path),
                "truth": truth,
            }
        )

    manifest = {
        "schema": SCHEMA,
        "seed": seed,
        "generator": GENERATOR.format(seed=seed),
        "world": {"size": world.size, "as_of": world.as_of},
        "population": world.population.height,
        "sources": sources,
        "absent_orgs": [o.id for o in world.absent_orgs()],
        "leaks": leak_entries,
    }
    path = out / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (out / "README.md").write_text(_readme(manifest), encoding="utf-8")
    return path


def _readme(manifest: dict) -> str:
    """A short human index of the sample set (generated; do not edit by hand)."""
    lines = [
        "# Sample data (synthetic)",
        "",
        "Everything here is generated by `attrib.synth` from a seeded synthetic world: no",
        "real person is in it. Regenerate with:",
        "",
        f"    {manifest['generator']}",
        "",
        f"Population: {manifest['population']} persons. Organisations kept out of the case "
        f"(the open-world test): {', '.join(manifest['absent_orgs'])}.",
        "`manifest.json` lists every file with its format, encoding, row count, SHA-256 and,",
        "for leaks, the ground truth. The generative model is documented in",
        "`attrib/synth/README.md`.",
        "",
        "## Sources (what the organisations hand over)",
        "",
        "| file | organisation | snapshot | format | rows |",
        "|---|---|---|---|---|",
    ]
    for e in manifest["sources"]:
        fmt = f"{e['format']} ({e['encoding']})" if e["format"] in ("csv", "tsv") else e["format"]
        org = f"{e['org']} ({e['org_name']})"
        lines.append(f"| `{e['file']}` | {org} | {e['snapshot']} | {fmt} | {e['rows']} |")
    lines += [
        "",
        "## Leaks (what the investigator bought or seized)",
        "",
        "| file | scenario | true source | expected verdict | rows |",
        "|---|---|---|---|---|",
    ]
    for e in manifest["leaks"]:
        t = e["truth"]
        src = ", ".join(
            f"{c['org']} {c['snapshot']} ({c['fraction']:.0%})" for c in t["components"]
        )
        if t["padding_fraction"]:
            src += f" + {t['padding_fraction']:.0%} padding ({t['padding']})"
        lines.append(
            f"| `{e['file']}` | {t['family']} | {src} | {t['expected_status']} | {e['rows']} |"
        )
    return "\n".join(lines) + "\n"

"""Leaked lists: one generator per scenario family, each with its ground truth.

A leak is what a seller posts: a sample of some organisation's copy (or of several),
cut down to some of its fields, perhaps padded with outside persons or fabricated
rows, perhaps damaged, and always re-written in the seller's own style (header
language, phone and date writing, column order, sometimes no header at all).

``make_leak(world, family, seed, **opts)`` returns the rendered frame and the truth
dict; :func:`build_leak` also returns the row-level provenance (which person, which
org copy, or "fabricated") that tests and benchmarks check against.

Families and their expected verdicts:

========  ==================================================================  ============
family    what                                                                expected
========  ==================================================================  ============
plain     5-50% sample of one snapshot of an in-case org, some of its fields  attributed
overlap   plain, from one of the two heavily overlapping insurers             attributed
nested    the dealer (inside the authority) or a sample of the big authority  attributed
padded    plain with 20-40% of rows replaced by outsiders or fabrications     attributed
mixture   a broker's merge of samples of 2-3 orgs, shares in the truth        mixture
time      a sample of a specific older snapshot of a multi-snapshot org       attributed
absent    a sample of an org kept out of the case                             inconclusive
tiny      100-300 rows of one snapshot                                        attributed
noisy     plain with typos, masked phones, lower-case x, spaces, full-width   attributed
========  ==================================================================  ============
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import polars as pl

from attrib.errors import UsageError
from attrib.synth import data, ids
from attrib.synth.config import LEAK
from attrib.synth.population import (
    birth_days,
    cat,
    choose,
    lookup,
    make_addresses,
    make_names,
    pick_districts,
    pick_prefectures,
    region_codes,
)
from attrib.synth.render import HEADERS, Style, render
from attrib.synth.world import World

#: Fields that identify a person on their own (or, name + birth date, together).
IDENTIFIERS = ("phone", "national_id", "plate")
FAMILIES = LEAK.families
EXPECTED = dict.fromkeys(FAMILIES, "attributed") | {"mixture": "mixture", "absent": "inconclusive"}


@dataclass
class Leak:
    """A generated leak with everything known about it.

    Attributes:
        frame: the leak as posted (rendered; all personal columns are strings).
        truth: the JSON-able ground truth (see :func:`make_leak`).
        provenance: one row per frame row, same order: ``person_id`` (null for
            fabricated rows), ``origin`` (``source`` | ``population`` | ``fabricated``),
            ``org`` and ``snapshot`` of the copy the row came from (null for outsiders),
            and ``typo`` (noisy family: the row's name or address was altered).
        canonical: the canonical values behind ``frame``, same order, before rendering.
        style: the seller's rendering.
    """

    frame: pl.DataFrame
    truth: dict
    provenance: pl.DataFrame
    canonical: pl.DataFrame
    style: Style


def as_rng(rng_or_seed: np.random.Generator | int | None) -> np.random.Generator:
    """A Generator from a Generator, a seed, or None (seed 0)."""
    if isinstance(rng_or_seed, np.random.Generator):
        return rng_or_seed
    return np.random.default_rng(0 if rng_or_seed is None else int(rng_or_seed))


def make_leak(
    world: World, family: str, rng_or_seed: np.random.Generator | int | None = 0, **opts
) -> tuple[pl.DataFrame, dict]:
    """Generate one leak of a scenario family.

    Args:
        world: the world to leak from.
        family: one of ``FAMILIES``.
        rng_or_seed: a numpy Generator or an integer seed.
        **opts: family options (all optional): ``org``, ``snapshot``, ``fraction``,
            ``rows``, ``max_rows``, ``fields``, ``style`` (a :class:`Style`),
            ``headerless``; padded: ``pad_fraction``, ``padding``
            (``population`` | ``fabricated`` | ``both``); mixture: ``components``
            (list of ``(org, snapshot or None, share)``); nested: ``variant``
            (``small`` = the dealer, ``big`` = the authority or an insurer); noisy:
            ``name_typo``, ``address_typo``, ``masked``, ``spaces``, ``fullwidth``.

    Returns:
        ``(frame, truth)``. ``truth`` has ``family``, ``org``, ``org_name``,
        ``snapshot`` (ISO date or None), ``components`` (``[{org, snapshot,
        fraction}]``, fractions of the rows), ``padding_fraction``, ``padding``,
        ``expected_status`` (``attributed`` | ``mixture`` | ``inconclusive``),
        ``in_case``, ``rows``, ``fields``, ``headerless`` and ``style``.
    """
    leak = build_leak(world, family, rng_or_seed, **opts)
    return leak.frame, leak.truth


def build_leak(
    world: World, family: str, rng_or_seed: np.random.Generator | int | None = 0, **opts
) -> Leak:
    """Like :func:`make_leak` but returns the full :class:`Leak` (with provenance)."""
    if family not in _FAMILY_FUNCS:
        raise UsageError(f"unknown leak family {family!r}; use one of {', '.join(FAMILIES)}")
    rng = as_rng(rng_or_seed)
    return _FAMILY_FUNCS[family](world, rng, **opts)


# --------------------------------------------------------------------------- pieces


@dataclass
class _Part:
    frame: pl.DataFrame  # canonical: person_id + kinds
    origin: str
    org: str | None
    snapshot: str | None


def _sample(
    world: World,
    org: str,
    snapshot: str,
    rng: np.random.Generator,
    rows: int | None = None,
    fraction: float | None = None,
) -> _Part:
    snap = world.snapshots[(org, snapshot)]
    if rows is None:
        rows = int(round(snap.height * (fraction if fraction is not None else 0.2)))
    rows = max(1, min(rows, snap.height))
    idx = np.sort(rng.choice(snap.height, rows, replace=False))
    return _Part(snap[idx], "source", org, snapshot)


def _pick_fields(rng: np.random.Generator, available: tuple[str, ...] | list[str]) -> list[str]:
    """A seller's column choice: at least two fields, always with an identifier."""
    available = list(available)
    keep = {f for f in available if rng.random() < 0.7}
    if "name" in available and rng.random() < 0.7:
        keep.add("name")  # lists nearly always carry a name
    if not has_identifier(sorted(keep)):
        options = [f for f in available if f in IDENTIFIERS]
        if options:
            keep.add(options[rng.integers(len(options))])
        else:
            keep |= {"name", "birth_date"} & set(available)
    rest = [f for f in available if f not in keep]
    if len(keep) < 2 and rest:
        keep.add(rest[rng.integers(len(rest))])
    return [f for f in available if f in keep]


def has_identifier(fields: list[str] | tuple[str, ...]) -> bool:
    """True if the fields identify a person: phone, ID, plate, or name + birth date."""
    return any(f in IDENTIFIERS for f in fields) or {"name", "birth_date"} <= set(fields)


def seller_style(rng: np.random.Generator, fields: list[str], **overrides) -> Style:
    """A random seller rendering: header set, phone/date writing, order, header or not."""
    headerless = overrides.pop("headerless", None)
    if headerless is None:
        headerless = rng.random() < LEAK.p_headerless
    header_sets = list(HEADERS)
    order = list(fields)
    if rng.random() < 0.5:
        order = [order[i] for i in rng.permutation(len(order))]
    style = Style(
        headers="none" if headerless else header_sets[rng.integers(len(header_sets))],
        phone=["plain", "plain", "dash", "space", "intl", "intl_compact", "mixed"][rng.integers(7)],
        date=["iso", "slash", "slash_pad", "compact", "cn", "dot"][rng.integers(6)],
        national_id="lower" if rng.random() < 0.15 else "upper",
        plate=["plain", "plain", "dot", "space"][rng.integers(4)],
        email="upper" if rng.random() < 0.1 else "lower",
        order=tuple(order),
        seed=int(rng.integers(2**31)),
    )
    return replace(style, **overrides) if overrides else style


def _outsiders(
    world: World, rng: np.random.Generator, k: int, fields: list[str], exclude: np.ndarray
) -> _Part:
    """Real persons not in the source, with their true current fields."""
    pop = world.population
    ok = ~np.isin(pop["person_id"].to_numpy(), exclude)
    for f in fields:
        if f in IDENTIFIERS:  # a padding row without the list's identifier would stand out
            ok &= pop[f].is_not_null().to_numpy()
    cand = np.flatnonzero(ok)
    pick = np.sort(rng.choice(cand, min(k, len(cand)), replace=False))
    return _Part(pop[pick].select(["person_id", *fields]), "population", None, None)


def fabricate(rng: np.random.Generator, k: int, fields: list[str]) -> pl.DataFrame:
    """Made-up rows: real-looking names/addresses, invalid IDs, impossible dates.

    Every national ID has a wrong check character; a share of birth dates (and the
    dates embedded in the IDs) are impossible, such as 1990-02-30; phones are random
    1[3-9] numbers (a few malformed); plates and e-mails random.
    """
    male = rng.random(k) < 0.5
    name, pinyin, _ = make_names(rng, male)
    born = birth_days(rng, k)
    ymd = ids.yyyymmdd(born)
    impossible = rng.random(k) < LEAK.p_fabricated_impossible_date
    year = ymd // 10000
    month = np.where(rng.random(k) < 0.6, 2, rng.choice([4, 6, 9, 11], k))
    bad_day = np.where(month == 2, rng.integers(30, 32, k), 31)
    ymd = np.where(impossible, year * 10000 + month * 100 + bad_day, ymd)
    pref = pick_prefectures(rng, k)
    dist = pick_districts(rng, pref)
    iso = cat(
        pl.Series(ymd // 10000).cast(pl.String),
        "-",
        pl.Series(ymd // 100 % 100).cast(pl.String).str.zfill(2),
        "-",
        pl.Series(ymd % 100).cast(pl.String).str.zfill(2),
    )
    local = rng.integers(13, 20, k) * 10**9 + rng.integers(0, 10**9, k)
    malformed = rng.random(k) < 0.1
    local_txt = pl.Series(local).cast(pl.String)
    local_txt = choose(malformed, local_txt.str.slice(0, 10), local_txt)
    cols: dict[str, pl.Series] = {
        "person_id": pl.Series([None] * k, dtype=pl.Int64),
        "name": name,
        "national_id": ids.fabricated_national_ids(rng, region_codes(pref, dist), ymd),
        "birth_date": iso,
        "phone": cat("86", local_txt),
        "address": make_addresses(rng, pref, dist),
        "email": cat(
            pinyin,
            pl.Series(rng.integers(1, 999, k)).cast(pl.String),
            "@",
            lookup(["qq.com", "163.com", "126.com"], rng.integers(0, 3, k)),
        ),
        "plate": cat(
            lookup([p.plate[:2] for p in data.PREFECTURES], pref),
            ids.make_plate_bodies(rng, k, 0.05),
        ),
    }
    return pl.DataFrame({"person_id": cols["person_id"], **{f: cols[f] for f in fields}})


def _typo(rng: np.random.Generator, s: pl.Series, share: float, start: int, pool: list[str]):
    """Change one character (at ``start`` or later) in a share of the values."""
    n = len(s)
    hit = (rng.random(n) < share) & s.is_not_null().to_numpy()
    length = s.str.len_chars().fill_null(0).to_numpy()
    pos = start + (rng.random(n) * np.maximum(length - start, 1)).astype(np.int64)
    pos = np.minimum(pos, np.maximum(length - 1, 0))
    pick = rng.integers(0, len(pool), n)
    new = lookup(pool, pick)
    old = s.str.slice(pl.Series(pos), 1) if n else s
    # Never "change" a character into itself.
    new = choose(
        (new == old).fill_null(False).to_numpy(), lookup(pool, (pick + 1) % len(pool)), new
    )
    changed = pl.select(
        pl.concat_str(
            [
                pl.lit(s).str.slice(0, pl.lit(pl.Series(pos))),
                pl.lit(new),
                pl.lit(s).str.slice(pl.lit(pl.Series(pos + 1))),
            ]
        )
    ).to_series()
    return choose(hit, changed, s), hit


def _assemble(
    world: World,
    rng: np.random.Generator,
    family: str,
    parts: list[_Part],
    fields: list[str],
    opts: dict,
    truth: dict,
    typo: np.ndarray | None = None,
    style_overrides: dict | None = None,
) -> Leak:
    """Concatenate, shuffle, render; fill in the generic parts of the truth."""
    frames, prov = [], []
    for p in parts:
        f = p.frame
        for col in fields:
            if col not in f.columns:
                f = f.with_columns(pl.lit(None, dtype=pl.String).alias(col))
        frames.append(f.select(pl.col("person_id").cast(pl.Int64), *fields))
        prov.append(
            pl.DataFrame(
                {
                    "person_id": f["person_id"].cast(pl.Int64),
                    "origin": [p.origin] * f.height,
                    "org": pl.Series([p.org] * f.height, dtype=pl.String),
                    "snapshot": pl.Series([p.snapshot] * f.height, dtype=pl.String),
                }
            )
        )
    canon = pl.concat(frames)
    provenance = pl.concat(prov).with_columns(
        typo=pl.Series(typo if typo is not None else np.zeros(canon.height, dtype=bool))
    )
    perm = rng.permutation(canon.height)
    canon, provenance = canon[perm], provenance[perm]

    style = opts.get("style")
    if style is None:
        overrides = dict(style_overrides or {})
        if "headerless" in opts:
            overrides["headerless"] = opts["headerless"]
        style = seller_style(rng, fields, **overrides)
    shown = canon
    if rng.random() < 0.25 and style.headers != "none":
        # Sellers often number their rows; an "other" column the detector must skip.
        shown = shown.with_columns(
            pl.Series("序号", np.arange(1, canon.height + 1)).cast(pl.String)
        )
        style = replace(style, order=("序号", *(style.order or ())))
    frame = render(shown, style)

    n = canon.height
    components = truth.get("components") or []
    pad = float(truth.get("padding_fraction", 0.0))
    org = truth.get("org")
    out = {
        "family": family,
        "org": org,
        "org_name": world.orgs[org].name if org else None,
        "snapshot": truth.get("snapshot"),
        "components": components,
        "padding_fraction": round(pad, 4),
        "padding": truth.get("padding"),
        "expected_status": EXPECTED[family],
        "in_case": bool(world.orgs[org].in_case) if org else True,
        "rows": n,
        "fields": list(fields),
        "headerless": not style.has_header,
        "style": style.to_dict(),
    }
    for k, v in truth.items():
        out.setdefault(k, v)
    return Leak(frame, out, provenance, canon, style)


def _fraction_or_rows(rng: np.random.Generator, opts: dict, size: int) -> int:
    if opts.get("rows") is not None:
        rows = int(opts["rows"])
    else:
        lo, hi = LEAK.plain_fraction
        fraction = opts.get("fraction", rng.uniform(lo, hi))
        rows = int(round(size * fraction))
    if opts.get("max_rows") is not None:
        rows = min(rows, int(opts["max_rows"]))
    return max(1, min(rows, size))


def _choose_org(world: World, rng: np.random.Generator, opts: dict, pool: list[str]) -> str:
    org = opts.get("org") or pool[rng.integers(len(pool))]
    world.org(org)  # validates
    return org


def _choose_snapshot(world: World, rng: np.random.Generator, org: str, opts: dict) -> str:
    snaps = world.org(org).snapshots
    snap = opts.get("snapshot") or snaps[rng.integers(len(snaps))]
    if snap not in snaps:
        raise UsageError(f"{org} has no snapshot {snap}; it has {', '.join(snaps)}")
    return snap


def _single(
    world: World,
    rng: np.random.Generator,
    family: str,
    org: str,
    snap: str,
    opts: dict,
    rows: int | None = None,
) -> tuple[_Part, list[str]]:
    size = world.snapshots[(org, snap)].height
    part = _sample(world, org, snap, rng, rows=rows or _fraction_or_rows(rng, opts, size))
    fields = list(opts.get("fields") or _pick_fields(rng, world.org(org).fields))
    missing = [f for f in fields if f not in world.org(org).fields]
    if missing:
        raise UsageError(f"{org} does not hold {', '.join(missing)}")
    return part, fields


def _one_source_truth(org: str, snap: str, fraction: float = 1.0) -> dict:
    return {
        "org": org,
        "snapshot": snap,
        "components": [{"org": org, "snapshot": snap, "fraction": round(fraction, 4)}],
    }


# --------------------------------------------------------------------------- families


def _in_case(world: World) -> list[str]:
    return [o.id for o in world.in_case_orgs()]


def leak_plain(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A sample of one snapshot of one in-case org."""
    org = _choose_org(world, rng, opts, _in_case(world))
    snap = _choose_snapshot(world, rng, org, opts)
    part, fields = _single(world, rng, "plain", org, snap, opts)
    return _assemble(world, rng, "plain", [part], fields, opts, _one_source_truth(org, snap))


def leak_overlap(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A sample of one of the two heavily overlapping insurers."""
    org = _choose_org(world, rng, opts, ["insurer_a", "insurer_b"])
    snap = _choose_snapshot(world, rng, org, opts)
    part, fields = _single(world, rng, "overlap", org, snap, opts)
    truth = _one_source_truth(org, snap) | {
        "overlaps_with": "insurer_b" if org == "insurer_a" else "insurer_a"
    }
    return _assemble(world, rng, "overlap", [part], fields, opts, truth)


def leak_nested(world: World, rng: np.random.Generator, **opts) -> Leak:
    """The small org inside a big one (dealer), or a sample of the big one."""
    variant = opts.get("variant") or ("small" if rng.random() < 0.5 else "big")
    pool = ["dealer"] if variant == "small" else ["vla", "insurer_a"]
    org = _choose_org(world, rng, opts, pool)
    snap = _choose_snapshot(world, rng, org, opts)
    if variant == "small" and "fraction" not in opts and "rows" not in opts:
        opts = opts | {"fraction": rng.uniform(0.3, 0.8)}  # small lists leak nearly whole
    part, fields = _single(world, rng, "nested", org, snap, opts)
    truth = _one_source_truth(org, snap) | {"variant": variant}
    return _assemble(world, rng, "nested", [part], fields, opts, truth)


def leak_padded(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A plain sample with a share of rows replaced by outsiders or fabrications."""
    org = _choose_org(world, rng, opts, _in_case(world))
    snap = _choose_snapshot(world, rng, org, opts)
    part, fields = _single(world, rng, "padded", org, snap, opts)
    pad = float(opts.get("pad_fraction", rng.uniform(*LEAK.pad_fraction)))
    mode = opts.get("padding") or ["population", "fabricated", "both"][rng.integers(3)]
    n = part.frame.height
    k = int(round(n * pad))
    keep = part.frame[np.sort(rng.choice(n, n - k, replace=False))]
    real = _Part(keep, part.origin, part.org, part.snapshot)
    exclude = world.snapshots[(org, snap)]["person_id"].to_numpy()
    k_pop = {"population": k, "fabricated": 0, "both": k // 2}[mode]
    parts = [real]
    if k_pop:
        parts.append(_outsiders(world, rng, k_pop, fields, exclude))
    if k - k_pop:
        parts.append(_Part(fabricate(rng, k - k_pop, fields), "fabricated", None, None))
    total = sum(p.frame.height for p in parts)
    truth = _one_source_truth(org, snap, keep.height / total) | {
        "padding_fraction": (total - keep.height) / total,
        "padding": mode,
    }
    return _assemble(world, rng, "padded", parts, fields, opts, truth)


def leak_mixture(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A broker's merge of samples of two or three orgs."""
    comps = opts.get("components")
    if comps is None:
        pool = _in_case(world)
        k = 2 if rng.random() < 0.6 else 3
        orgs = [pool[i] for i in rng.choice(len(pool), k, replace=False)]
        shares = rng.dirichlet(np.full(k, 3.0))
        for _ in range(100):  # redraw until every component is a real share
            if shares.min() >= LEAK.mixture_min_share:
                break
            shares = rng.dirichlet(np.full(k, 3.0))
        comps = [(o, None, float(s)) for o, s in zip(orgs, shares, strict=True)]
    comps = [(o, _choose_snapshot(world, rng, o, {"snapshot": s}), float(w)) for o, s, w in comps]
    total_share = sum(w for _, _, w in comps)
    comps = [(o, s, w / total_share) for o, s, w in comps]
    sizes = [world.snapshots[(o, s)].height for o, s, _ in comps]
    if opts.get("rows") is not None:
        rows = int(opts["rows"])
    else:
        # No component may need more than half of its snapshot.
        cap = min(0.5 * size / w for size, (_, _, w) in zip(sizes, comps, strict=True))
        rows = int(cap * rng.uniform(0.3, 1.0))
    if opts.get("max_rows") is not None:
        rows = min(rows, int(opts["max_rows"]))
    common = [
        f
        for f in world.org(comps[0][0]).fields
        if all(f in world.org(o).fields for o, _, _ in comps)
    ]
    fields = list(opts.get("fields") or _pick_fields(rng, common))
    parts = [_sample(world, o, s, rng, rows=max(1, int(round(rows * w)))) for o, s, w in comps]
    total = sum(p.frame.height for p in parts)
    components = [
        {"org": p.org, "snapshot": p.snapshot, "fraction": round(p.frame.height / total, 4)}
        for p in parts
    ]
    truth = {"org": None, "snapshot": None, "components": components}
    return _assemble(world, rng, "mixture", parts, fields, opts, truth)


def leak_time(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A sample of one specific (by default older) snapshot of a multi-snapshot org."""
    multi = [o.id for o in world.in_case_orgs() if len(o.snapshots) >= 3]
    multi = multi or [o.id for o in world.in_case_orgs() if len(o.snapshots) >= 2]
    org = _choose_org(world, rng, opts, multi)
    if not opts.get("snapshot"):
        older = world.org(org).snapshots[:-1]
        opts = opts | {"snapshot": older[rng.integers(len(older))]}
    snap = _choose_snapshot(world, rng, org, opts)
    part, fields = _single(world, rng, "time", org, snap, opts)
    return _assemble(world, rng, "time", [part], fields, opts, _one_source_truth(org, snap))


def leak_absent(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A sample of an org that is not in the case: the right answer is "inconclusive"."""
    org = _choose_org(world, rng, opts, [o.id for o in world.absent_orgs()])
    snap = _choose_snapshot(world, rng, org, opts)
    part, fields = _single(world, rng, "absent", org, snap, opts)
    return _assemble(world, rng, "absent", [part], fields, opts, _one_source_truth(org, snap))


def leak_tiny(world: World, rng: np.random.Generator, **opts) -> Leak:
    """100-300 rows of one snapshot."""
    org = _choose_org(world, rng, opts, _in_case(world))
    snap = _choose_snapshot(world, rng, org, opts)
    rows = int(opts.get("rows") or rng.integers(LEAK.tiny_rows[0], LEAK.tiny_rows[1] + 1))
    part, fields = _single(world, rng, "tiny", org, snap, opts, rows=rows)
    return _assemble(world, rng, "tiny", [part], fields, opts, _one_source_truth(org, snap))


def leak_noisy(world: World, rng: np.random.Generator, **opts) -> Leak:
    """A plain sample, damaged: typos, masked phones, lower-case x, spaces, full-width."""
    org = _choose_org(world, rng, opts, _in_case(world))
    snap = _choose_snapshot(world, rng, org, opts)
    part, fields = _single(world, rng, "noisy", org, snap, opts)
    rates = {
        "name_typo": opts.get("name_typo", rng.uniform(*LEAK.noisy_name_typo)),
        "address_typo": opts.get("address_typo", rng.uniform(*LEAK.noisy_address_typo)),
        "masked": opts.get("masked", rng.uniform(*LEAK.noisy_phone_masked)),
        "spaces": opts.get("spaces", rng.uniform(*LEAK.noisy_extra_spaces)),
        "fullwidth": opts.get("fullwidth", rng.uniform(*LEAK.noisy_fullwidth)),
    }
    f = part.frame
    typo = np.zeros(f.height, dtype=bool)
    chars = [c for c, _ in data.GIVEN_MALE + data.GIVEN_FEMALE]
    if "name" in f.columns:
        new, hit = _typo(rng, f["name"], rates["name_typo"], 1, chars)
        f, typo = f.with_columns(new.alias("name")), typo | hit
    if "address" in f.columns:
        road_chars = sorted({c for r in data.ROADS for c in r})
        new, hit = _typo(rng, f["address"], rates["address_typo"], 2, road_chars)
        f, typo = f.with_columns(new.alias("address")), typo | hit
    part = _Part(f, part.origin, part.org, part.snapshot)
    overrides = {
        "masked_phone": rates["masked"] if "phone" in fields else 0.0,
        "spaces": rates["spaces"],
        "fullwidth": rates["fullwidth"],
        "national_id": "lower",
    }
    truth = _one_source_truth(org, snap) | {"noise": {k: round(v, 4) for k, v in rates.items()}}
    return _assemble(world, rng, "noisy", [part], fields, opts, truth, typo, overrides)


_FAMILY_FUNCS = {
    "plain": leak_plain,
    "overlap": leak_overlap,
    "nested": leak_nested,
    "padded": leak_padded,
    "mixture": leak_mixture,
    "time": leak_time,
    "absent": leak_absent,
    "tiny": leak_tiny,
    "noisy": leak_noisy,
}

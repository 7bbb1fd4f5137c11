"""Measured properties of a built world: sizes, join/churn, overlaps, copy drift.

Used by ``python -m attrib.synth stats``, by the tests (rates within their documented
ranges) and to fill the tables of ``attrib/synth/README.md``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from attrib.synth.config import day
from attrib.synth.population import version_at
from attrib.synth.world import World


def snapshot_sizes(world: World) -> list[dict]:
    """Rows per snapshot, and joins / churn relative to the previous snapshot."""
    rows = []
    for org in world.orgs.values():
        prev: np.ndarray | None = None
        for date in org.snapshots:
            ids = world.snapshots[(org.id, date)]["person_id"].to_numpy()
            row = {"org": org.id, "snapshot": date, "rows": len(ids), "joined": None, "left": None}
            if prev is not None:
                row["joined"] = round(len(np.setdiff1d(ids, prev)) / len(prev), 4)
                row["left"] = round(len(np.setdiff1d(prev, ids)) / len(prev), 4)
            rows.append(row)
            prev = ids
    return rows


def overlap(
    world: World, a: str, b: str, date_a: str | None = None, date_b: str | None = None
) -> float:
    """|A ∩ B| / |A| over persons, on the given (default: latest) snapshots."""
    ia = world.snapshot(a, date_a)["person_id"].to_numpy()
    ib = world.snapshot(b, date_b)["person_id"].to_numpy()
    return float(np.isin(ia, ib).mean()) if len(ia) else 0.0


def overlaps(world: World) -> dict[str, float]:
    """The overlaps the world is designed around (latest snapshots)."""
    pairs = [
        ("insurer_a", "insurer_b"),
        ("insurer_b", "insurer_a"),
        ("insurer_c", "insurer_a"),
        ("insurer_a", "vla"),
        ("dealer", "vla"),
        ("dealer", "insurer_a"),
        ("courier_b", "courier"),
        ("bank", "telecom"),
    ]
    out = {f"{a}|{b}": round(overlap(world, a, b), 4) for a, b in pairs}
    # The dealer's customers are "mostly with an insurer".
    d = world.snapshot("dealer")["person_id"].to_numpy()
    ins = np.union1d(
        world.snapshot("insurer_a")["person_id"].to_numpy(),
        world.snapshot("insurer_b")["person_id"].to_numpy(),
    )
    out["dealer|insurer_a+insurer_b"] = round(float(np.isin(d, ins).mean()), 4) if len(d) else 0.0
    c = world.snapshot("insurer_c")["person_id"].to_numpy()
    out["insurer_c|insurer_a+insurer_b"] = (
        round(float(np.isin(c, ins).mean()), 4) if len(c) else 0.0
    )
    return out


def copy_drift(world: World, org: str, date: str | None = None) -> dict[str, float]:
    """Share of an org's records whose field differs from the person's truth that day.

    ``address``: not the home address then in force (an older home or the work
    address); ``phone``: not the phone then in force; ``email``: not the primary.
    """
    spec = world.org(org)
    date = date or spec.snapshots[-1]
    snap = world.snapshots[(org, date)]
    pid = snap["person_id"].to_numpy()
    p = world.people
    t = np.full(len(pid), day(date), dtype=np.int64)
    out: dict[str, float] = {}
    if "address" in spec.fields:
        home = p.addr.gather(version_at(p.addr_t[pid], t) * p.n + pid)
        out["address"] = _share_differs(snap["address"], home)
    if "phone" in spec.fields:
        phone = p.phone.gather(version_at(p.phone_t[pid], t) * p.n + pid)
        out["phone"] = _share_differs(snap["phone"], phone)
    if "email" in spec.fields:
        out["email"] = _share_differs(snap["email"], p.email.gather(pid))
    return out


def pairwise_drift(world: World, a: str, b: str) -> dict[str, float]:
    """For persons in both latest snapshots, share whose shared fields differ."""
    sa, sb = world.snapshot(a), world.snapshot(b)
    j = sa.join(sb, on="person_id", suffix="_b")
    shared = [f for f in world.org(a).fields if f in world.org(b).fields]
    out = {"persons": float(j.height)}
    for f in shared:
        out[f] = _share_differs(j[f], j[f + "_b"])
    return out


def _share_differs(x: pl.Series, y: pl.Series) -> float:
    both = x.is_not_null() & y.is_not_null()
    if not both.any():
        return 0.0
    return round(float(((x != y) & both).sum() / both.sum()), 4)


def summary(world: World) -> dict:
    """Everything above in one JSON-able dict."""
    return {
        "seed": world.seed,
        "size": world.size,
        "population": world.population.height,
        "car_owner_share": round(float(world.population["car_owner"].mean()), 4),
        "snapshots": snapshot_sizes(world),
        "overlaps": overlaps(world),
        "copy_drift": {o: copy_drift(world, o) for o in world.orgs},
        "pairwise_drift": {
            f"{a}|{b}": pairwise_drift(world, a, b)
            for a, b in [
                ("insurer_a", "insurer_b"),
                ("insurer_a", "vla"),
                ("bank", "telecom"),
                ("courier", "courier_b"),
                ("dealer", "vla"),
                ("insurer_c", "insurer_a"),
            ]
        },
    }

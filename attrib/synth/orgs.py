"""Customer bases and each organisation's own copy of its customers' fields.

Membership: a customer of an organisation has a join day and a leave day and is in a
snapshot dated ``d`` when ``join <= d < leave``. Customers who were already customers
at the window start joined uniformly in [PRE_JOIN_START, WINDOW_START]; the others join
uniformly inside the window, in the proportion that gives ``join_rate`` new customers
per year relative to the base. Leaving is exponential with ``churn_rate`` per year,
counted from the later of the join day and the window start. Organisations with a
``parent`` (insurers, the dealer) only take customers of the parent (car owners): they
join at the earliest a few days after the car was registered and drop a customer
within a year of the car being deregistered.

Copies: each (person, org) pair draws once whether the org files the work address,
whether its address / phone / plate are frozen at the join day, and its reporting lags;
:func:`snapshot_frame` then reads the person's field histories at those observation
times. This is what makes the same person look different in different organisations
and in different snapshots of one organisation.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from attrib.synth.config import (
    AS_OF,
    CAR_AGE_WEIGHTS,
    INSURER_JOINT,
    INSURERS,
    NEVER,
    PERSON,
    PRE_JOIN_START,
    WINDOW_START,
    OrgSpec,
    day,
)
from attrib.synth.population import YEAR, People, choose, version_at


@dataclass
class Membership:
    """One organisation's customers over time and how it keeps their fields."""

    org: str
    pid: np.ndarray  # person ids of everyone who is a customer at some time (sorted)
    join: np.ndarray  # day the person became a customer
    leave: np.ndarray  # day the person stopped being one (NEVER if still one)
    work: np.ndarray  # files the work address instead of the home address
    addr_frozen: np.ndarray
    addr_lag: np.ndarray  # days
    phone_frozen: np.ndarray
    phone_lag: np.ndarray
    plate_frozen: np.ndarray
    plate_lag: np.ndarray
    alt_email: np.ndarray
    alias: np.ndarray

    def dense(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(member, join, leave) arrays over the whole population."""
        member = np.zeros(n, dtype=bool)
        join = np.full(n, NEVER, dtype=np.int64)
        leave = np.full(n, NEVER, dtype=np.int64)
        member[self.pid] = True
        join[self.pid] = self.join
        leave[self.pid] = self.leave
        return member, join, leave

    def at(self, date: str) -> np.ndarray:
        """Mask over ``pid`` of the customers on a given day."""
        d = day(date)
        return (self.join <= d) & (self.leave > d)


def org_rng(seed: int, name: str) -> np.random.Generator:
    """Independent stream per organisation, so adding one does not reshuffle the others."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def draw_membership(
    rng: np.random.Generator,
    spec: OrgSpec,
    member: np.ndarray,
    parent: Membership | None,
    adult_day: np.ndarray,
) -> Membership:
    """Join/leave days and copy habits for the persons flagged in ``member``.

    Args:
        rng: the organisation's random stream.
        spec: the organisation.
        member: boolean mask over the population: customers at some time.
        parent: the organisation whose customers this one draws from, if any.
        adult_day: per person, the 18th birthday (nobody is a customer before it).
    """
    n = len(member)
    w0, w1 = day(WINDOW_START), day(AS_OF)
    years = (w1 - w0) / YEAR
    pre = 1.0 / (1.0 + spec.join_rate * years)
    m = int(member.sum())
    join = np.where(
        rng.random(m) < pre,
        rng.integers(day(PRE_JOIN_START), w0 + 1, m),
        rng.integers(w0 + 1, w1 + 1, m),
    )
    pid = np.flatnonzero(member)
    join = np.maximum(join, adult_day[pid])
    leave_draw = rng.exponential(YEAR / spec.churn_rate, m) if spec.churn_rate > 0 else None
    lag_join, lag_leave = rng.integers(0, 31, m), rng.integers(0, 366, m)
    if parent is not None:
        _, pjoin, pleave = parent.dense(n)
        join = np.maximum(join, pjoin[pid] + lag_join)
        # Nobody insures (or buys from a dealer) a car they no longer have.
        join = np.where(join < pleave[pid], join, NEVER)
    if leave_draw is not None:
        leave = np.maximum(join, w0) + leave_draw.astype(np.int64)
        if parent is not None:  # dropped within a year of the car being deregistered
            leave = np.minimum(leave, np.maximum(pleave[pid] + lag_leave, join + 1))
    else:  # an org that never deletes keeps former car owners too
        leave = np.full(m, NEVER, dtype=np.int64)
    # Persons whose join fell after the window are never customers in it: drop them.
    keep = join <= w1
    pid, join, leave = pid[keep], join[keep], leave[keep]
    m = len(pid)
    c = spec.copy

    def lag(mean: float) -> np.ndarray:
        return rng.exponential(mean, m).astype(np.int64) if mean > 0 else np.zeros(m, np.int64)

    return Membership(
        org=spec.id,
        pid=pid,
        join=join.astype(np.int64),
        leave=leave.astype(np.int64),
        work=rng.random(m) < c.p_work_address,
        addr_frozen=rng.random(m) < c.p_address_frozen,
        addr_lag=lag(c.address_lag_days),
        phone_frozen=rng.random(m) < c.p_phone_frozen,
        phone_lag=lag(c.phone_lag_days),
        plate_frozen=rng.random(m) < c.p_plate_frozen,
        plate_lag=lag(c.plate_lag_days),
        alt_email=rng.random(m) < c.p_alt_email,
        alias=rng.random(m) < c.p_name_alias,
    )


def car_owner_probability(
    birth_days: np.ndarray, share: float = PERSON.car_owner_share
) -> np.ndarray:
    """Per-person probability of having a car in the window, by age, averaging ``share``."""
    age = (day(AS_OF) - birth_days) / YEAR
    weight = np.zeros(len(age))
    for lo, hi, w in CAR_AGE_WEIGHTS:
        weight[(age >= lo) & (age < hi)] = w
    return np.clip(weight * share / weight.mean(), 0, 1)


def draw_all(
    seed: int, people: People, specs: tuple[OrgSpec, ...], birth_days: np.ndarray
) -> dict[str, Membership]:
    """Memberships of every organisation, in dependency order (parents first)."""
    n = people.n
    adult_day = (
        (np.asarray(birth_days, dtype="datetime64[D]").astype("datetime64[M]") + 18 * 12)
        .astype("datetime64[D]")
        .astype(np.int64)
    )
    out: dict[str, Membership] = {}
    # Insurer memberships are correlated: one joint draw per car owner, shared by all three.
    joint_rng = org_rng(seed, "insurers")
    keys = list(INSURER_JOINT)
    probs = np.array([INSURER_JOINT[k] for k in keys])
    combo = np.array(keys)[joint_rng.choice(len(keys), n, p=probs / probs.sum())]

    for spec in _dependency_order(specs):
        rng = org_rng(seed, spec.id)
        eligible = np.ones(n, dtype=bool)
        if spec.parent is not None:
            eligible = out[spec.parent].dense(n)[0]
        if spec.kind == "authority":
            member = rng.random(n) < car_owner_probability(birth_days)
        elif spec.id in INSURERS:
            member = eligible & (combo[:, INSURERS.index(spec.id)] == 1)
        elif spec.affinity is not None:
            other, p_in, p_out = spec.affinity
            inside = out[other].dense(n)[0]
            member = eligible & (rng.random(n) < np.where(inside, p_in, p_out))
        else:
            member = eligible & (rng.random(n) < spec.member_share)
        parent = out[spec.parent] if spec.parent else None
        out[spec.id] = draw_membership(rng, spec, member, parent, adult_day)
    return out


def _dependency_order(specs: tuple[OrgSpec, ...]) -> list[OrgSpec]:
    """Organisations after the ones they draw customers from (parent, affinity)."""
    done: list[OrgSpec] = []
    pending = list(specs)
    while pending:
        ready = {d.id for d in done}
        for spec in pending:
            deps = {spec.parent, spec.affinity[0] if spec.affinity else None} - {None}
            if deps <= ready:
                done.append(spec)
                pending.remove(spec)
                break
        else:
            raise ValueError("circular parent/affinity between organisations")
    return done


def snapshot_frame(people: People, spec: OrgSpec, mem: Membership, date: str) -> pl.DataFrame:
    """The organisation's copy of its customers on ``date``: person_id + its fields.

    Values are canonical (the forms of ``docs/architecture.md``); rendering for export
    is :mod:`attrib.synth.render`'s job.
    """
    n = people.n
    d = day(date)
    sel = mem.at(date)
    pid = mem.pid[sel]
    join = mem.join[sel]

    def observed(frozen: np.ndarray, lag: np.ndarray) -> np.ndarray:
        # A frozen field is as it was on the join day; otherwise the org learned of
        # changes ``lag`` days late (and nothing before the person joined).
        return np.where(frozen[sel], join, np.maximum(join, d - lag[sel]))

    cols: dict[str, pl.Series] = {"person_id": pl.Series(pid)}
    for f in spec.fields:
        if f == "name":
            cols[f] = choose(
                mem.alias[sel], people.alias.gather(pid), people.frame["name"].gather(pid)
            )
        elif f in ("national_id", "birth_date"):
            cols[f] = people.frame[f].gather(pid)
        elif f == "address":
            v = version_at(people.addr_t[pid], observed(mem.addr_frozen, mem.addr_lag))
            v = np.where(mem.work[sel], people.work_version, v)
            cols[f] = people.addr.gather(v * n + pid)
        elif f == "phone":
            v = version_at(people.phone_t[pid], observed(mem.phone_frozen, mem.phone_lag))
            cols[f] = people.phone.gather(v * n + pid)
        elif f == "plate":
            assert people.plate is not None and people.plate_t is not None
            v = version_at(people.plate_t[pid], observed(mem.plate_frozen, mem.plate_lag))
            cols[f] = people.plate.gather(v * n + pid)
        elif f == "email":
            second = people.email.gather(n + pid).is_not_null().to_numpy()
            use = mem.alt_email[sel] & second
            cols[f] = people.email.gather(np.where(use, n + pid, pid))
        else:  # pragma: no cover - config error
            raise ValueError(f"unknown field kind {f!r} in org {spec.id}")
    return pl.DataFrame({k: v.alias(k) for k, v in cols.items()})

"""The population: persons with stable identities and field histories.

A person has a name, gender, birth date and resident ID that never change, and
histories of the fields that do: up to ``max_moves + 1`` home addresses with the days
of the moves, a work address, up to ``max_phone_changes + 1`` mobile numbers with the
days of the changes, up to two e-mail addresses and, for car owners, up to two plates.
Organisations later read these histories at their own observation times
(:mod:`attrib.synth.orgs`).

Histories are stored "flat": version ``k`` of person ``i`` sits at index ``k * n + i``
of one polars Series per field, so an organisation's copy of a million persons is a
single ``gather``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from attrib.synth import data, ids
from attrib.synth.config import AS_OF, HISTORY_START, NEVER, PERSON, PersonRates, day

YEAR = 365.25

_PREF_WEIGHT = np.array([p.weight for p in data.PREFECTURES])
_DISTRICT_COUNT = np.array([len(p.districts) for p in data.PREFECTURES])
_DISTRICT_OFFSET = np.concatenate([[0], np.cumsum(_DISTRICT_COUNT)[:-1]])
_DISTRICT_NAMES = [name for p in data.PREFECTURES for _, name in p.districts]
_DISTRICT_SUFFIX = np.array([int(s) for p in data.PREFECTURES for s, _ in p.districts])
_PREF_CODE4 = np.array([int(p.code4) for p in data.PREFECTURES])


@dataclass
class People:
    """Persons and their field histories (see the module docstring for the layout)."""

    n: int
    frame: pl.DataFrame  # person_id, name, gender, birth_date, national_id, id_region, ...
    born: np.ndarray  # birth dates as day numbers
    pinyin: pl.Series  # full pinyin of the name, for e-mail addresses
    alias: pl.Series  # "张先生" / "王女士": how couriers often write a name
    home_pref: np.ndarray  # (n, versions) prefecture index of each home version
    addr: pl.Series  # (max_moves + 2) * n: home versions 0..max_moves, then work
    addr_t: np.ndarray  # (n, max_moves) day of each move, NEVER if none
    phone: pl.Series  # (max_phone_changes + 1) * n canonical phones
    phone_t: np.ndarray  # (n, max_phone_changes)
    email: pl.Series  # 2 * n: primary, second (null where none)
    plate: pl.Series | None = None  # 2 * n: first plate, next plate (null for non-owners)
    plate_t: np.ndarray | None = None  # (n,) day of the change of car, NEVER if none

    @property
    def work_version(self) -> int:
        """Index of the work address among the address versions."""
        return self.addr_t.shape[1] + 1


def _expr(part) -> pl.Expr:
    if isinstance(part, pl.Expr):
        return part
    if isinstance(part, str):
        return pl.lit(part)
    if isinstance(part, pl.Series):
        return pl.lit(part)
    return pl.lit(pl.Series(np.asarray(part)))


def cat(*parts) -> pl.Series:
    """Concatenate string Series / literals element-wise into one Series."""
    return pl.select(pl.concat_str([_expr(p) for p in parts])).to_series()


def choose(mask: np.ndarray, a, b) -> pl.Series:
    """Element-wise ``a if mask else b`` over Series or literals; None gives nulls."""
    if isinstance(a, pl.Series) and isinstance(b, pl.Series):
        return a.zip_with(pl.Series(np.asarray(mask, dtype=bool)), b)
    then = pl.lit(None, dtype=pl.String) if a is None else _expr(a)
    other = pl.lit(None, dtype=pl.String) if b is None else _expr(b)
    return pl.select(
        pl.when(_expr(np.asarray(mask, dtype=bool))).then(then).otherwise(other)
    ).to_series()


def lookup(values: list[str], idx: np.ndarray) -> pl.Series:
    """Strings ``values[idx]`` as a polars Series."""
    return pl.Series(values, dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))


def num(values: np.ndarray) -> pl.Series:
    """Decimal strings of integers."""
    return pl.Series(np.asarray(values, dtype=np.int64)).cast(pl.String)


def pick_prefectures(rng: np.random.Generator, n: int, power: float = 1.0) -> np.ndarray:
    """Prefecture indices weighted by weight**power (power > 1 favours big cities)."""
    w = _PREF_WEIGHT**power
    return rng.choice(len(w), n, p=w / w.sum())


def pick_districts(rng: np.random.Generator, pref: np.ndarray) -> np.ndarray:
    """A global district index inside each given prefecture."""
    return _DISTRICT_OFFSET[pref] + (rng.random(len(pref)) * _DISTRICT_COUNT[pref]).astype(int)


def region_codes(pref: np.ndarray, district: np.ndarray) -> np.ndarray:
    """Six-digit GB/T 2260 codes of (prefecture, district) pairs."""
    return _PREF_CODE4[pref] * 100 + _DISTRICT_SUFFIX[district]


def make_names(
    rng: np.random.Generator, male: np.ndarray, rates: PersonRates = PERSON
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Chinese names, their pinyin and the courier alias (surname + 先生/女士).

    Returns:
        (name, pinyin, alias) Series of length ``len(male)``.
    """
    n = len(male)
    sur_w = np.array([w for _, _, w in data.SURNAMES])
    sur = rng.choice(len(sur_w), n, p=sur_w / sur_w.sum())
    chars = data.GIVEN_MALE + data.GIVEN_FEMALE + data.GIVEN_NEUTRAL
    nm, nf, nn = len(data.GIVEN_MALE), len(data.GIVEN_FEMALE), len(data.GIVEN_NEUTRAL)

    def given() -> np.ndarray:
        # Three in four characters come from the gender's pool, the rest are neutral.
        own = np.where(male, rng.integers(0, nm, n), nm + rng.integers(0, nf, n))
        neutral = nm + nf + rng.integers(0, nn, n)
        return np.where(rng.random(n) < 0.75, own, neutral)

    g1, g2 = given(), given()
    two_char = rng.random(n) < rates.p_two_char_name
    hanzi = [c for c, _ in chars]
    pin = [p for _, p in chars]
    surname = lookup([s for s, _, _ in data.SURNAMES], sur)
    name = cat(surname, lookup(hanzi, g1), choose(two_char, "", lookup(hanzi, g2)))
    pinyin = cat(
        lookup([p for _, p, _ in data.SURNAMES], sur),
        lookup(pin, g1),
        choose(two_char, "", lookup(pin, g2)),
    )
    alias = cat(surname, choose(male, "先生", "女士"))
    return name.alias("name"), pinyin.alias("pinyin"), alias.alias("alias")


def make_addresses(
    rng: np.random.Generator, pref: np.ndarray, district: np.ndarray | None, work: bool = False
) -> pl.Series:
    """Full postal addresses: province + city + district + road + number + building/room.

    Args:
        rng: random generator.
        pref: prefecture index per address.
        district: global district index, or None to draw one in the prefecture.
        work: office addresses (floor / tower) instead of homes (building / unit / room).
    """
    n = len(pref)
    if district is None:
        district = pick_districts(rng, pref)
    head = cat(
        lookup([p.province for p in data.PREFECTURES], pref),
        lookup([p.city for p in data.PREFECTURES], pref),
        lookup(_DISTRICT_NAMES, district),
        lookup(data.ROADS, rng.integers(0, len(data.ROADS), n)),
        # House numbers are small more often than large.
        num(1 + (rng.pareto(1.3, n) * 20).astype(int) % 599),
        "号",
    )
    if work:
        office = lookup(data.OFFICE_NAMES, rng.integers(0, len(data.OFFICE_NAMES), n))
        floor = num(rng.integers(1, 33, n))
        tower = lookup(["A座", "B座", "C座", "1号楼", "2号楼", "3号楼"], rng.integers(0, 6, n))
        room = num(rng.integers(1, 30, n) * 100 + rng.integers(1, 20, n))
        style = rng.random(n) < 0.5
        return cat(head, choose(style, cat(office, floor, "层"), cat(office, tower, room, "室")))
    compound = cat(
        lookup(data.COMPOUND_HEADS, rng.integers(0, len(data.COMPOUND_HEADS), n)),
        lookup(data.COMPOUND_TAILS, rng.integers(0, len(data.COMPOUND_TAILS), n)),
    )
    compound = choose(rng.random(n) < 0.65, compound, "")
    bldg = cat(num(rng.integers(1, 37, n)), lookup(["栋", "号楼", "幢"], rng.integers(0, 3, n)))
    unit = choose(rng.random(n) < 0.5, cat(num(rng.integers(1, 7, n)), "单元"), "")
    room = num(rng.integers(1, 34, n) * 100 + rng.integers(1, 5, n))
    return cat(head, compound, bldg, unit, room, "室")


def _event_days(rng: np.random.Generator, n: int, rate: float, k: int, start: int) -> np.ndarray:
    """(n, k) days of the first k events of a Poisson process of ``rate`` per year."""
    gaps = rng.exponential(YEAR / rate, (n, k))
    return (start + np.cumsum(gaps, axis=1)).astype(np.int64)


def birth_days(rng: np.random.Generator, n: int, rates: PersonRates = PERSON) -> np.ndarray:
    """Birth dates (days since epoch) in [birth_year_min, birth_year_max]."""
    year = np.clip(
        np.round(rng.normal(rates.birth_year_mean, rates.birth_year_sd, n)),
        rates.birth_year_min,
        rates.birth_year_max,
    ).astype(np.int64)
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    end = (year - 1969).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    return start + (rng.random(n) * (end - start)).astype(np.int64)


def iso_dates(days: np.ndarray) -> pl.Series:
    """ISO strings of day numbers."""
    return pl.Series(np.asarray(days, dtype="datetime64[D]")).cast(pl.String)


def _emails(rng: np.random.Generator, pinyin: pl.Series, birth_year: np.ndarray) -> pl.Series:
    """One e-mail address per person: QQ numbers, full pinyin or initials, plus digits."""
    n = len(pinyin)
    domains = [d for d, _ in data.EMAIL_DOMAINS]
    dw = np.array([w for _, w in data.EMAIL_DOMAINS])
    form = rng.random(n)
    qq = form < 0.35
    # QQ numbers have 5 to 10 digits, no leading zero.
    width = rng.integers(5, 11, n)
    qq_number = 10 ** (width - 1) + (rng.random(n) * 9 * 10 ** (width - 1)).astype(np.int64)
    year = num(birth_year)
    digits = choose(
        rng.random(n) < 0.5,
        year,
        choose(rng.random(n) < 0.5, year.str.slice(2), num(rng.integers(1, 1000, n))),
    )
    digits = choose(rng.random(n) < 0.2, "", digits)
    local = choose(
        qq,
        num(qq_number),
        choose(
            form < 0.75,
            cat(pinyin, digits),
            cat(pinyin.str.slice(0, 3), num(rng.integers(10, 100000, n))),
        ),
    )
    domain = choose(qq, "qq.com", lookup(domains, rng.choice(len(dw), n, p=dw / dw.sum())))
    email = cat(local, "@", domain)
    # Common names give common local parts: make addresses unique by appending digits,
    # as mail providers force users to.
    for _ in range(20):
        dup = (email.is_duplicated() & ~email.is_first_distinct()).to_numpy()
        if not dup.any():
            break
        idx = np.flatnonzero(dup)
        bumped = cat(
            local.gather(idx), num(rng.integers(0, 1000, len(idx))), "@", domain.gather(idx)
        )
        email = email.scatter(idx, bumped)
    return email.str.to_lowercase()


def build_people(rng: np.random.Generator, n: int, rates: PersonRates = PERSON) -> People:
    """Draw the population (everything except cars, which come with the authority).

    Args:
        rng: random generator.
        n: number of persons.
        rates: population rates.
    """
    male = rng.random(n) < rates.p_male
    born = birth_days(rng, n, rates)
    name, pinyin, alias = make_names(rng, male, rates)

    # Resident ID region: where the person's household is registered.
    id_pref = pick_prefectures(rng, n, power=0.6)
    id_district = pick_districts(rng, id_pref)
    national_id = ids.make_national_ids(rng, region_codes(id_pref, id_district), born, male)

    # Home address versions. Version 0 is in the ID's district unless the person migrated.
    k = rates.max_moves
    migrant = rng.random(n) < rates.p_migrant
    pref = np.empty((n, k + 1), dtype=np.int64)
    pref[:, 0] = np.where(migrant, pick_prefectures(rng, n, power=2.0), id_pref)
    dist0 = np.where(migrant, pick_districts(rng, pref[:, 0]), id_district)
    for v in range(1, k + 1):
        leaves = rng.random(n) < rates.p_move_other_city
        # Some who leave a city go back to where their household is registered.
        back = rng.random(n) < rates.p_move_back_home
        dest = np.where(back, id_pref, pick_prefectures(rng, n, power=1.5))
        pref[:, v] = np.where(leaves, dest, pref[:, v - 1])
    homes = [make_addresses(rng, pref[:, 0], dist0)]
    homes += [make_addresses(rng, pref[:, v], None) for v in range(1, k + 1)]
    work = make_addresses(rng, pref[:, k], None, work=True)
    addr_t = _event_days(rng, n, rates.move_rate, k, day(HISTORY_START))

    m = rates.max_phone_changes
    phones = ids.canonical_phone(ids.make_mobiles(rng, n * (m + 1)))
    phone_t = _event_days(rng, n, rates.phone_change_rate, m, day(HISTORY_START))

    birth_year = np.asarray(born, dtype="datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
    # Only persons with an address get one drawn: e-mail is the slowest field to build.
    has = rng.random(n) < rates.p_email
    has2 = has & (rng.random(n) < rates.p_second_email)
    idx1, idx2 = np.flatnonzero(has), np.flatnonzero(has2)
    both = _emails(
        rng, pinyin.gather(np.concatenate([idx1, idx2])), birth_year[np.concatenate([idx1, idx2])]
    )
    e1 = pl.Series([None] * n, dtype=pl.String).scatter(idx1, both.head(len(idx1)))
    e2 = pl.Series([None] * n, dtype=pl.String).scatter(idx2, both.tail(len(idx2)))
    # A few persons give a family member's address: shared, hence not an identifier.
    share = has & (rng.random(n) < rates.p_shared_email)
    donors = np.flatnonzero(has & ~share)
    if len(donors):
        e1 = choose(share, e1.gather(rng.choice(donors, n)), e1)

    frame = pl.DataFrame(
        {
            "person_id": np.arange(n, dtype=np.int64),
            "name": name,
            "gender": choose(male, "M", "F"),
            "birth_date": iso_dates(born),
            "national_id": national_id,
            "id_region": num(region_codes(id_pref, id_district)),
            "migrant": migrant,
        }
    )
    return People(
        n=n,
        frame=frame,
        born=born,
        pinyin=pinyin,
        alias=alias,
        home_pref=pref,
        addr=pl.concat([*homes, work]),
        addr_t=addr_t,
        phone=pl.Series(phones),
        phone_t=phone_t,
        email=pl.concat([e1, e2]),
    )


def add_cars(
    rng: np.random.Generator,
    people: People,
    owner: np.ndarray,
    car_join: np.ndarray,
    rates: PersonRates = PERSON,
) -> None:
    """Give car owners a first plate and, with ``plate_change_rate``, a next one.

    The plate is issued where the owner lived when the car was registered (else in
    the ID's home province, e.g. bought back home).
    """
    n = people.n
    t0 = np.clip(car_join, day(HISTORY_START), day(AS_OF))
    v = (people.addr_t <= t0[:, None]).sum(axis=1)
    home = people.home_pref[np.arange(n), v]
    id_pref = np.searchsorted(
        _PREF_CODE4, people.frame["id_region"].cast(pl.Int64).to_numpy() // 100
    )
    pref = np.where(rng.random(n) < rates.p_plate_local, home, id_pref)
    plate_t = np.where(
        owner, car_join + rng.exponential(YEAR / rates.plate_change_rate, n), NEVER
    ).astype(np.int64)
    # Plates only for owners: first car, then the next car (used from plate_t on).
    slots = np.concatenate([np.flatnonzero(owner), n + np.flatnonzero(owner)])
    slot_pref = np.concatenate([pref, pref])[slots]

    def draw(where: np.ndarray) -> pl.Series:
        body = ids.make_plate_bodies(rng, len(where), rates.p_new_energy_plate)
        return cat(_plate_prefixes(rng, slot_pref[where]), body)

    drawn = draw(np.arange(len(slots)))
    # Plates are unique registrations: redraw collisions.
    for _ in range(20):
        dup = (drawn.is_duplicated() & ~drawn.is_first_distinct()).to_numpy()
        if not dup.any():
            break
        where = np.flatnonzero(dup)
        drawn = drawn.scatter(where, draw(where))
    plates = pl.Series([None] * (2 * n), dtype=pl.String).scatter(slots, drawn)
    people.plate = plates
    people.plate_t = plate_t


def _plate_prefixes(rng: np.random.Generator, pref: np.ndarray) -> pl.Series:
    """Province abbreviation + one of the prefecture's issuing letters."""
    codes = [p.plate for p in data.PREFECTURES]
    n_letters = np.array([len(c) - 1 for c in codes])
    pick = (rng.random(len(pref)) * n_letters[pref]).astype(int)
    flat = [c[0] + c[1 + i] for c in codes for i in range(len(c) - 1)]
    offset = np.concatenate([[0], np.cumsum(n_letters)[:-1]])
    return lookup(flat, offset[pref] + pick)


def version_at(event_days: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Number of events on or before each observation day: the version then in force."""
    if event_days.ndim == 1:
        return (event_days <= t).astype(np.int64)
    return (event_days <= t[:, None]).sum(axis=1)

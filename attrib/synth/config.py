"""Every rate and constant of the synthetic world, in one place.

The README of this package (``attrib/synth/README.md``) lists the same values in
prose; ``tests/test_synth.py`` checks that built worlds land in the documented ranges.
Change a value here and the samples, the benchmark and the documentation move with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# --------------------------------------------------------------------------- sizes

#: Population size of each named world size. Organisation sizes are shares of it.
SIZES: dict[str, int] = {"small": 20_000, "medium": 200_000, "large": 2_000_000}

# --------------------------------------------------------------------------- time

#: Person histories (moves, new phones, new cars) start here.
HISTORY_START = "2010-01-01"
#: Customers at the window start joined uniformly in [PRE_JOIN_START, WINDOW_START].
PRE_JOIN_START = "2012-01-01"
#: The observation window: earliest and latest snapshot date of any organisation.
WINDOW_START = "2023-06-30"
AS_OF = "2025-06-30"
#: Sentinel day number for "never" (no event, never leaves).
NEVER = 10**9


def day(iso: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def iso(days: int) -> str:
    """ISO date of a day number."""
    return str(np.datetime64(int(days), "D"))


# --------------------------------------------------------------------------- persons


@dataclass(frozen=True)
class PersonRates:
    """Rates of the population model (per person; "/yr" = Poisson rate per year)."""

    birth_year_min: int = 1940
    birth_year_max: int = 2005
    birth_year_mean: float = 1978.0  # normal, clipped to [min, max]
    birth_year_sd: float = 14.0
    p_male: float = 0.51
    p_two_char_name: float = 0.18  # surname + one given character
    p_migrant: float = 0.22  # first address outside the ID's region (moved to a big city)
    move_rate: float = 0.12  # /yr home moves, at most `max_moves`
    max_moves: int = 3
    p_move_other_city: float = 0.15  # a move leaves the city ...
    p_move_back_home: float = 0.30  # ... and of those, back to the ID's city
    phone_change_rate: float = 0.10  # /yr new mobile number, at most `max_phone_changes`
    max_phone_changes: int = 2
    p_email: float = 0.65  # has an e-mail address
    p_second_email: float = 0.25  # of those with e-mail, a second address
    p_shared_email: float = 0.03  # uses a family member's address (not unique)
    car_owner_share: float = 0.35  # had a registered car in the window
    plate_change_rate: float = 0.05  # /yr new car (new plate), at most one
    p_new_energy_plate: float = 0.08  # green 8-character plates (京AD12345)
    p_plate_local: float = 0.90  # plate issued where the owner lived at purchase


PERSON = PersonRates()

# --------------------------------------------------------------------------- orgs


@dataclass(frozen=True)
class CopyRates:
    """How one organisation's copy of a person drifts from the person's true fields.

    For each (person, org) pair, drawn once when the person becomes a customer:
    the address on file is the work address with ``p_work_address``, else the home
    address as it was at the observation time; the observation time of a field is the
    join date if the field is *frozen* (never updated), else the snapshot date minus an
    exponential reporting lag (never before the join date).
    """

    p_work_address: float
    address_lag_days: float
    p_address_frozen: float
    phone_lag_days: float
    p_phone_frozen: float
    plate_lag_days: float = 0.0
    p_plate_frozen: float = 0.0
    p_alt_email: float = 0.0  # the second e-mail address where the person has one
    p_name_alias: float = 0.0  # courier habit: "张先生" / "王女士" instead of the name


@dataclass(frozen=True)
class OrgSpec:
    """One organisation of the world."""

    id: str
    name: str
    name_zh: str
    kind: str  # authority | insurer | bank | courier | dealer | telecom
    fields: tuple[str, ...]
    in_case: bool
    snapshots: tuple[str, ...]
    copy: CopyRates
    member_share: float  # share of its eligible pool that are customers at the window start
    join_rate: float  # /yr own new customers, relative to the base (plus the parent's joiners)
    churn_rate: float  # /yr customers leaving
    parent: str | None = None  # eligible pool = customers of that org (car owners)
    affinity: tuple[str, float, float] | None = None  # (org, p if customer there, p if not)
    notes: str = ""


INSURER_FIELDS = ("name", "national_id", "phone", "birth_date", "address", "plate")
COURIER_FIELDS = ("name", "phone", "address")

ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(
        id="vla",
        name="Vehicle Licensing Authority",
        name_zh="车辆管理所",
        kind="authority",
        fields=("name", "national_id", "phone", "address", "plate"),
        in_case=True,
        snapshots=("2024-06-30", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.08,
            address_lag_days=240,
            p_address_frozen=0.45,
            phone_lag_days=120,
            p_phone_frozen=0.30,
            plate_lag_days=0,
        ),
        member_share=1.0,
        join_rate=0.11,
        churn_rate=0.05,
        notes="every car owner; the registered address is rarely updated",
    ),
    OrgSpec(
        id="insurer_a",
        name="Anping Auto Insurance",
        name_zh="安平车险",
        kind="insurer",
        fields=INSURER_FIELDS,
        in_case=True,
        snapshots=("2023-06-30", "2024-06-30", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.22,
            address_lag_days=120,
            p_address_frozen=0.30,
            phone_lag_days=90,
            p_phone_frozen=0.35,
            plate_lag_days=30,
        ),
        member_share=0.45,
        join_rate=0.04,
        churn_rate=0.05,
        parent="vla",
    ),
    OrgSpec(
        id="insurer_b",
        name="Jinding Property & Casualty",
        name_zh="金鼎财险",
        kind="insurer",
        fields=INSURER_FIELDS,
        in_case=True,
        snapshots=("2023-12-31", "2024-12-31"),
        copy=CopyRates(
            p_work_address=0.25,
            address_lag_days=200,
            p_address_frozen=0.30,
            phone_lag_days=120,
            p_phone_frozen=0.35,
            plate_lag_days=60,
        ),
        member_share=0.45,
        join_rate=0.04,
        churn_rate=0.05,
        parent="vla",
    ),
    OrgSpec(
        id="insurer_c",
        name="Ruixiang Insurance",
        name_zh="瑞祥保险",
        kind="insurer",
        fields=INSURER_FIELDS,
        in_case=False,
        snapshots=("2024-06-30", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.22,
            address_lag_days=150,
            p_address_frozen=0.30,
            phone_lag_days=90,
            p_phone_frozen=0.35,
            plate_lag_days=30,
        ),
        member_share=0.30,
        join_rate=0.04,
        churn_rate=0.05,
        parent="vla",
        notes="held out of the case: ~60% of its customers are insurer_a's",
    ),
    OrgSpec(
        id="bank",
        name="Huixin Commercial Bank",
        name_zh="汇信商业银行",
        kind="bank",
        fields=("name", "national_id", "phone", "email", "address", "birth_date"),
        in_case=True,
        snapshots=("2024-03-31", "2025-03-31"),
        copy=CopyRates(
            p_work_address=0.22,
            address_lag_days=60,
            p_address_frozen=0.25,
            phone_lag_days=45,
            p_phone_frozen=0.30,
            p_alt_email=0.30,
        ),
        member_share=0.14,
        join_rate=0.12,
        churn_rate=0.06,
    ),
    OrgSpec(
        id="courier",
        name="Xunda Express",
        name_zh="迅达快递",
        kind="courier",
        fields=COURIER_FIELDS,
        in_case=True,
        snapshots=("2024-06-30", "2024-12-31", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.40,
            address_lag_days=14,
            p_address_frozen=0.10,
            phone_lag_days=14,
            p_phone_frozen=0.12,
            p_name_alias=0.15,
        ),
        member_share=0.12,
        join_rate=0.25,
        churn_rate=0.15,
        notes="senders and recipients; one person per row with a role column",
    ),
    OrgSpec(
        id="courier_b",
        name="Feiyun Express",
        name_zh="飞运快递",
        kind="courier",
        fields=COURIER_FIELDS,
        in_case=False,
        snapshots=("2024-12-31", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.35,
            address_lag_days=21,
            p_address_frozen=0.10,
            phone_lag_days=21,
            p_phone_frozen=0.12,
            p_name_alias=0.18,
        ),
        member_share=0.0,
        join_rate=0.25,
        churn_rate=0.15,
        affinity=("courier", 0.80, 0.02),
        notes="held out of the case: ~65% of its customers are courier's",
    ),
    OrgSpec(
        id="dealer",
        name="Jiahe Auto 4S Store",
        name_zh="嘉禾汽车4S店",
        kind="dealer",
        fields=("name", "phone", "plate", "address"),
        in_case=True,
        snapshots=("2024-06-30", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.15,
            address_lag_days=365,
            p_address_frozen=0.85,
            phone_lag_days=365,
            p_phone_frozen=0.70,
            plate_lag_days=0,
            p_plate_frozen=1.0,
        ),
        member_share=0.0,
        join_rate=0.03,
        churn_rate=0.0,
        parent="vla",
        affinity=("insurer_a", 0.16, 0.04),
        notes="sells insurer_a policies with its cars; never deletes a customer",
    ),
    OrgSpec(
        id="telecom",
        name="Huatong Mobile",
        name_zh="华通移动",
        kind="telecom",
        fields=("name", "national_id", "phone", "email", "address"),
        in_case=True,
        snapshots=("2024-12-31", "2025-06-30"),
        copy=CopyRates(
            p_work_address=0.10,
            address_lag_days=365,
            p_address_frozen=0.50,
            phone_lag_days=0,
            p_phone_frozen=0.03,
            p_alt_email=0.20,
        ),
        member_share=0.16,
        join_rate=0.22,
        churn_rate=0.12,
        notes="the address given at SIM registration, rarely updated",
    ),
)

#: Joint membership of the three insurers among car owners at the window start,
#: keyed by (insurer_a, insurer_b, insurer_c). |A| = |B| = 0.45, |A∩B|/|A| = 0.80,
#: |C| = 0.30, |C∩A|/|C| = 0.73, |C∩(A∪B)|/|C| = 0.77. Independent join and leave days
#: dilute this: measured on snapshots A∩B/A is ~0.65-0.70 and C∩A/C ~0.6.
INSURER_JOINT: dict[tuple[int, int, int], float] = {
    (1, 1, 1): 0.19,
    (1, 1, 0): 0.17,
    (1, 0, 1): 0.03,
    (1, 0, 0): 0.06,
    (0, 1, 1): 0.01,
    (0, 1, 0): 0.08,
    (0, 0, 1): 0.07,
    (0, 0, 0): 0.39,
}
INSURERS = ("insurer_a", "insurer_b", "insurer_c")

#: Car-ownership weight by age at AS_OF (normalised so the mean is car_owner_share).
CAR_AGE_WEIGHTS: tuple[tuple[int, int, float], ...] = (
    (0, 22, 0.35),
    (22, 30, 0.9),
    (30, 60, 1.25),
    (60, 70, 0.8),
    (70, 200, 0.25),
)

ORG_BY_ID: dict[str, OrgSpec] = {o.id: o for o in ORGS}


@dataclass(frozen=True)
class LeakRates:
    """Ranges the leak families draw from (uniform unless stated)."""

    plain_fraction: tuple[float, float] = (0.05, 0.50)
    tiny_rows: tuple[int, int] = (100, 300)
    pad_fraction: tuple[float, float] = (0.20, 0.40)
    p_fabricated_impossible_date: float = 0.35
    mixture_min_share: float = 0.20
    noisy_name_typo: tuple[float, float] = (0.05, 0.15)
    noisy_address_typo: tuple[float, float] = (0.10, 0.30)
    noisy_phone_masked: tuple[float, float] = (0.20, 0.50)
    noisy_extra_spaces: tuple[float, float] = (0.10, 0.30)
    noisy_fullwidth: tuple[float, float] = (0.05, 0.20)
    p_headerless: float = 0.20
    families: tuple[str, ...] = field(
        default=(
            "plain",
            "overlap",
            "nested",
            "padded",
            "mixture",
            "time",
            "absent",
            "tiny",
            "noisy",
        )
    )


LEAK = LeakRates()

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
#: Customers who were already customers at the first snapshot joined in [PRE_JOIN_START, WINDOW_START].
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
    move_rate: float = 0.10  # /yr home moves, at most `max_moves`
    max_moves: int = 3
    p_move_other_city: float = 0.30  # a move leaves the city
    phone_change_rate: float = 0.07  # /yr new mobile number, at most `max_phone_changes`
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
        "vla", "Vehicle Licensing Authority", "车辆管理所", "authority",
        ("name", "national_id", "phone", "address", "plate"), True,
        ("2024-06-30", "2025-06-30"),
        CopyRates(0.05, 240, 0.35, 120, 0.30, plate_lag_days=0),
        member_share=1.0, join_rate=0.11, churn_rate=0.05,
        notes="every car owner; the registered address is rarely updated",
    ),
    OrgSpec(
        "insurer_a", "Anping Auto Insurance", "安平车险", "insurer", INSURER_FIELDS, True,
        ("2023-06-30", "2024-06-30", "2025-06-30"),
        CopyRates(0.20, 120, 0.20, 60, 0.18, plate_lag_days=30),
        member_share=0.45, join_rate=0.05, churn_rate=0.07, parent="vla",
    ),
    OrgSpec(
        "insurer_b", "Jinding Property & Casualty", "金鼎财险", "insurer", INSURER_FIELDS, True,
        ("2023-12-31", "2024-12-31"),
        CopyRates(0.25, 200, 0.25, 90, 0.20, plate_lag_days=60),
        member_share=0.45, join_rate=0.05, churn_rate=0.08, parent="vla",
    ),
    OrgSpec(
        "insurer_c", "Ruixiang Insurance", "瑞祥保险", "insurer", INSURER_FIELDS, False,
        ("2024-06-30", "2025-06-30"),
        CopyRates(0.20, 150, 0.20, 60, 0.15, plate_lag_days=30),
        member_share=0.30, join_rate=0.05, churn_rate=0.07, parent="vla",
        notes="held out of the case: 60% of its customers are insurer_a's",
    ),
    OrgSpec(
        "bank", "Huixin Commercial Bank", "汇信商业银行", "bank",
        ("name", "national_id", "phone", "email", "address", "birth_date"), True,
        ("2024-03-31", "2025-03-31"),
        CopyRates(0.15, 60, 0.15, 30, 0.10, p_alt_email=0.30),
        member_share=0.22, join_rate=0.12, churn_rate=0.06,
    ),
    OrgSpec(
        "courier", "Xunda Express", "迅达快递", "courier", COURIER_FIELDS, True,
        ("2024-06-30", "2024-12-31", "2025-06-30"),
        CopyRates(0.40, 14, 0.08, 14, 0.08, p_name_alias=0.15),
        member_share=0.20, join_rate=0.15, churn_rate=0.10,
        notes="senders and recipients; one person per row with a role column",
    ),
    OrgSpec(
        "courier_b", "Feiyun Express", "飞运快递", "courier", COURIER_FIELDS, False,
        ("2024-12-31", "2025-06-30"),
        CopyRates(0.35, 21, 0.08, 21, 0.08, p_name_alias=0.18),
        member_share=0.0, join_rate=0.15, churn_rate=0.10, affinity=("courier", 0.60, 0.08),
        notes="held out of the case: ~65% of its customers are courier's",
    ),
    OrgSpec(
        "dealer", "Jiahe Auto 4S Store", "嘉禾汽车4S店", "dealer",
        ("name", "phone", "plate", "address"), True,
        ("2024-06-30", "2025-06-30"),
        CopyRates(0.15, 365, 0.85, 365, 0.70, plate_lag_days=0, p_plate_frozen=1.0),
        member_share=0.0, join_rate=0.10, churn_rate=0.0, parent="vla",
        affinity=("insurer_a", 0.16, 0.04),
        notes="sells insurer_a policies with its cars; never deletes a customer",
    ),
    OrgSpec(
        "telecom", "Huatong Mobile", "华通移动", "telecom",
        ("name", "national_id", "phone", "email", "address"), True,
        ("2024-12-31", "2025-06-30"),
        CopyRates(0.10, 365, 0.50, 0, 0.03, p_alt_email=0.20),
        member_share=0.33, join_rate=0.10, churn_rate=0.06,
        notes="the address given at SIM registration, rarely updated",
    ),
)

#: Joint membership of the three insurers among car owners at the window start,
#: keyed by (insurer_a, insurer_b, insurer_c). |A| = |B| = 0.45, |A∩B|/|A| = 0.70,
#: |C| = 0.30, |C∩A|/|C| = 0.60, |C∩(A∪B)|/|C| = 0.70.
INSURER_JOINT: dict[tuple[int, int, int], float] = {
    (1, 1, 1): 0.150, (1, 1, 0): 0.165, (1, 0, 1): 0.030, (1, 0, 0): 0.105,
    (0, 1, 1): 0.030, (0, 1, 0): 0.105, (0, 0, 1): 0.090, (0, 0, 0): 0.325,
}
INSURERS = ("insurer_a", "insurer_b", "insurer_c")

#: Car-ownership weight by age at AS_OF (normalised so the mean is car_owner_share).
CAR_AGE_WEIGHTS: tuple[tuple[int, int, float], ...] = (
    (0, 22, 0.35), (22, 30, 0.9), (30, 60, 1.25), (60, 70, 0.8), (70, 200, 0.25),
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
            "plain", "overlap", "nested", "padded", "mixture", "time", "absent", "tiny",
            "noisy",
        )
    )


LEAK = LeakRates()

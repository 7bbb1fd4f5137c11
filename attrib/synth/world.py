"""The world: population + organisations + their snapshots, built from one seed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from attrib.errors import UsageError
from attrib.synth.config import AS_OF, ORGS, SIZES, OrgSpec, day
from attrib.synth.orgs import Membership, draw_all, org_rng, snapshot_frame
from attrib.synth.population import People, add_cars, build_people, version_at

#: Organisations are described by their spec (id, name, kind, fields, in_case, snapshots).
Org = OrgSpec


class SnapshotStore(Mapping):
    """``{(org_id, iso_date): frame}``, computed on first access and cached.

    A large world holds tens of millions of copied records; building them lazily keeps
    ``build_world`` fast and memory bounded to the snapshots actually used.
    """

    def __init__(self, world: World):
        self._world = world
        self._cache: dict[tuple[str, str], pl.DataFrame] = {}

    def _keys(self) -> list[tuple[str, str]]:
        return [(o.id, d) for o in self._world.orgs.values() for d in o.snapshots]

    def __getitem__(self, key: tuple[str, str]) -> pl.DataFrame:
        if key not in self._cache:
            org_id, date = key
            spec = self._world.orgs.get(org_id)
            if spec is None or date not in spec.snapshots:
                raise KeyError(key)
            w = self._world
            self._cache[key] = snapshot_frame(w.people, spec, w.memberships[org_id], date)
        return self._cache[key]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


@dataclass
class World:
    """A seeded synthetic world.

    Attributes:
        seed: the seed it was built from.
        size: the size name (``small``, ``medium``, ``large``) or ``custom``.
        population: one row per person with the person's *true* fields on ``as_of``
            (person_id, name, gender, birth_date, national_id, phone, email, address,
            plate, car_owner, id_region, migrant).
        orgs: organisation specs by id, in a fixed order.
        snapshots: ``{(org_id, date): frame}`` of each org's copy (person_id + fields).
        memberships: join/leave days and copy habits per org (ground truth for tests).
        people: the field histories behind both.
        as_of: the date of ``population``'s current values.
    """

    seed: int
    size: str
    population: pl.DataFrame
    orgs: dict[str, OrgSpec]
    memberships: dict[str, Membership]
    people: People
    as_of: str = AS_OF
    snapshots: SnapshotStore = field(init=False)

    def __post_init__(self) -> None:
        self.snapshots = SnapshotStore(self)

    def in_case_orgs(self) -> list[OrgSpec]:
        """Organisations an investigator has sources from."""
        return [o for o in self.orgs.values() if o.in_case]

    def absent_orgs(self) -> list[OrgSpec]:
        """Organisations kept out of the case (the open-world test)."""
        return [o for o in self.orgs.values() if not o.in_case]

    def snapshot(self, org: str, date: str | None = None) -> pl.DataFrame:
        """One org's copy on one of its snapshot dates (default: the latest)."""
        spec = self.org(org)
        return self.snapshots[(org, date or spec.snapshots[-1])]

    def org(self, org: str) -> OrgSpec:
        """The spec of an organisation id; UsageError if unknown."""
        try:
            return self.orgs[org]
        except KeyError:
            known = ", ".join(self.orgs)
            raise UsageError(f"unknown organisation {org!r}; known: {known}") from None


def build_world(seed: int = 7, size: str | int = "small") -> World:
    """Build the world for a seed and a size.

    Args:
        seed: any non-negative integer; same seed and size give identical frames.
        size: a key of ``SIZES`` or an explicit population size.

    Returns:
        The :class:`World`. Snapshots are computed lazily on first access.
    """
    if isinstance(size, str):
        if size not in SIZES:
            raise UsageError(f"unknown world size {size!r}; use one of {', '.join(SIZES)}")
        n, label = SIZES[size], size
    else:
        n, label = int(size), "custom"
    if n < 100:
        raise UsageError("a world needs at least 100 persons")
    people = build_people(org_rng(seed, "population"), n)
    memberships = draw_all(seed, people, ORGS, people.born)
    owner, car_join, _ = memberships["vla"].dense(n)
    add_cars(org_rng(seed, "cars"), people, owner, car_join)
    population = _current_fields(people, owner)
    return World(
        seed=seed,
        size=label,
        population=population,
        orgs={o.id: o for o in ORGS},
        memberships=memberships,
        people=people,
    )


def _current_fields(people: People, owner: np.ndarray) -> pl.DataFrame:
    """Each person's true fields on AS_OF: the latest version of every history."""
    n = people.n
    t = np.full(n, day(AS_OF), dtype=np.int64)
    pid = np.arange(n)
    addr = people.addr.gather(version_at(people.addr_t, t) * n + pid)
    phone = people.phone.gather(version_at(people.phone_t, t) * n + pid)
    assert people.plate is not None and people.plate_t is not None
    plate = people.plate.gather(version_at(people.plate_t, t) * n + pid)
    f = people.frame
    return pl.DataFrame(
        {
            "person_id": f["person_id"],
            "name": f["name"],
            "gender": f["gender"],
            "birth_date": f["birth_date"],
            "national_id": f["national_id"],
            "phone": phone,
            "email": people.email.head(n),
            "address": addr,
            "plate": plate,
            "car_owner": owner,
            "id_region": f["id_region"],
            "migrant": f["migrant"],
        }
    )

"""A seeded synthetic world of Chinese personal records, organisations and leaks.

It feeds the bundled samples, the demo, the tests and the attribution benchmark. The
world is built to be *hard but fair*: customer bases overlap as they do in reality,
customers join and leave between snapshots, and every organisation holds its own,
partly stale copy of a person's fields, exported in its own file format.

Generative model (every number lives in :mod:`attrib.synth.config`; the README of this
package lists them all):

1. **Persons** (:mod:`~attrib.synth.population`). Name = surname drawn from the ~100
   commonest surnames by population share + one (18%) or two given-name characters
   from ~300 common ones, leaning to the person's gender. Birth year ~ N(1978, 14)
   clipped to 1940-2005. A resident ID with a real GB/T 2260 district code (72
   prefectures with their province/city/district names), the birth date, a sequence
   number whose parity is the gender and the ISO 7064 MOD 11-2 check character.
   Histories: home addresses (moves at 0.12/yr from 2010, up to 3; 15% of moves leave
   the city, 30% of those back to the ID's city; 22% lived outside their ID's region
   from the start), one work address,
   mobiles (new number at 0.10/yr, up to 2 changes), 65% have e-mail (25% of those a
   second one, 3% share a family member's), and car owners (~35%, by age) plates with
   a new car at 0.05/yr.
2. **Organisations** (:mod:`~attrib.synth.orgs`): a licensing authority holding every
   car owner; three insurers drawn jointly over car owners (|A∩B|/|A| ≈ 0.8 drawn,
   ≈ 0.7 on snapshots); a bank; two couriers (the second ~68% inside the first); a
   4S dealer (~9% of car owners, 3/4 of them with an insurer); a telecom. insurer_c
   and courier_b are *kept out of the case* (the open-world test). Between snapshots
   (2-3 per org, 2023-06-30 to 2025-06-30) 9-15% of customers are new and 0-10% have
   left.
3. **Copies**: per (person, org) the org files the work address (8-40%), and its
   address / phone / plate are either frozen at the join date or updated with an
   exponential lag. Measured: 29-43% of an org's addresses and 10-20% of its phones
   (couriers 4%, the telecom 1%) are not the person's current ones; two orgs disagree
   on 39-47% of shared persons' addresses and 7-16% of their phones. Couriers write
   15-18% of names as "张先生".
4. **Exports** (:mod:`~attrib.synth.exports`, :mod:`~attrib.synth.render`): Parquet,
   XLSX with a notes sheet, GB18030 CSV, UTF-8 CSV, JSON Lines, TSV with BOM; English,
   Chinese or snake_case headers; phones as 13812345678, 138-1234-5678,
   +86 138 1234 5678, full-width; dates as 1990-01-02, 1990/1/2, 19900102,
   1990年1月2日; opaque customer/policy/waybill numbers and amounts.
5. **Leaks** (:mod:`~attrib.synth.leaks`): nine families (plain, overlap, nested,
   padded, mixture, time, absent, tiny, noisy) with ground truth.

Example:
    >>> from attrib.synth import build_world, make_leak
    >>> world = build_world(seed=7, size="small")
    >>> frame, truth = make_leak(world, "padded", 3)
    >>> truth["expected_status"]
    'attributed'
"""

from attrib.synth.config import SIZES
from attrib.synth.leaks import FAMILIES, Leak, build_leak, make_leak
from attrib.synth.render import Style, render, write_table
from attrib.synth.samples import write_samples
from attrib.synth.world import Org, World, build_world

__all__ = [
    "FAMILIES",
    "SIZES",
    "Leak",
    "Org",
    "Style",
    "World",
    "build_leak",
    "build_world",
    "make_leak",
    "render",
    "write_samples",
    "write_table",
]

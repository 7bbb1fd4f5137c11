"""Leak-to-leak links: which lists are re-posts, cuts or merges of one another.

The same list is posted again on another forum, cut down, or merged into a bigger one.
Two lists are compared on their anchor tokens (the persons they name), under one key:

* **Jaccard** |A ∩ B| / |A ∪ B| — "the same list";
* **containment** |A ∩ B| / |A| — "A is a cut of B" (or B a merge containing A).

Candidates come from datasketch indexes over the lists' fingerprints (the MinHash every
sketch stores): ``MinHashLSH`` for Jaccard and ``MinHashLSHEnsemble`` for containment,
which partitions lists by size so that a small list inside a large one is still found.
Each candidate pair is then measured on the tokens themselves (every token in a case's
leak sketches, the FracMinHash sample in a registry), so a reported figure never rests
on the MinHash alone. Indexes find pairs above their thresholds with high probability,
not certainty; relations weaker than ``search_at`` are not looked for.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from attrib.sketch import Sketch
from attrib.sketch.fingerprint import jaccard as fingerprint_jaccard
from attrib.sketch.fingerprint import new_minhash
from attrib.tokens import ANCHORS


@dataclass(frozen=True)
class LinkSettings:
    """Thresholds of the link finder (reported with every listing)."""

    #: Jaccard from which two lists are the same list posted twice (near-duplicates).
    duplicate_at: float = 0.8
    #: Containment from which a list is inside another (a cut, or part of a merge).
    contained_at: float = 0.8
    #: Containment from which a shared part is reported as an overlap.
    overlap_at: float = 0.5
    #: Threshold of both LSH indexes: candidate pairs are looked for down to this.
    search_at: float = 0.5

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ListTokens:
    """A list as the link finder sees it: its fingerprint and its anchor tokens."""

    id: str
    fingerprint: np.ndarray
    num_perm: int
    seed: int
    size: int  # distinct anchor tokens (estimated from the sample when ``sampled``)
    tokens: dict[str, np.ndarray]  # anchor type -> sorted distinct tokens
    sampled: bool

    @classmethod
    def of(cls, list_id: str, sk: Sketch) -> ListTokens:
        """From a sketch: every token if it has the exact tier, else its sample."""
        store = sk.exact if sk.exact is not None else sk.sampled
        tokens = {t: store[t] for t in ANCHORS if t in store and store[t].size}
        n = sum(a.size for a in tokens.values())
        size = n if sk.exact is not None else n * sk.params.scale
        return cls(list_id, sk.fingerprint, sk.params.num_perm, sk.params.seed, max(size, 1),
                   tokens, sk.exact is None)


@dataclass(frozen=True)
class LeakLink:
    """How two lists relate. ``a_in_b``: share of A's persons also in B."""

    a: str
    b: str
    relation: str  # near-duplicate | a-inside-b | b-inside-a | overlap
    jaccard: float
    jaccard_fingerprint: float
    a_in_b: float
    a_in_b_ci: tuple[float, float]
    b_in_a: float
    b_in_a_ci: tuple[float, float]
    shared_tokens: int
    sampled: bool

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["a_in_b_ci"], d["b_in_a_ci"] = list(self.a_in_b_ci), list(self.b_in_a_ci)
        return d


def _overlap(a: ListTokens, b: ListTokens) -> tuple[int, int, int]:
    """(shared tokens, A's tokens, B's tokens) over the anchor types both lists hold."""
    shared = na = nb = 0
    for t in sorted(set(a.tokens) & set(b.tokens)):
        shared += int(np.intersect1d(a.tokens[t], b.tokens[t], assume_unique=True).size)
        na += int(a.tokens[t].size)
        nb += int(b.tokens[t].size)
    return shared, na, nb


def _relation(j: float, a_in_b: float, b_in_a: float, settings: LinkSettings) -> str | None:
    if j >= settings.duplicate_at or min(a_in_b, b_in_a) >= settings.contained_at:
        return "near-duplicate"
    if a_in_b >= settings.contained_at and a_in_b >= b_in_a:
        return "a-inside-b"
    if b_in_a >= settings.contained_at:
        return "b-inside-a"
    if max(a_in_b, b_in_a) >= settings.overlap_at:
        return "overlap"
    return None


def measure(a: ListTokens, b: ListTokens, settings: LinkSettings) -> LeakLink | None:
    """The link between two lists, or None if they are not related enough to report."""
    from attrib.attribution import stats  # scipy: imported when links are measured

    shared, na, nb = _overlap(a, b)
    if not (na and nb):
        return None
    union = na + nb - shared
    a_in_b, b_in_a = shared / na, shared / nb
    sampled = a.sampled or b.sampled
    ci_a = stats.jeffreys(shared, na) if sampled else (a_in_b, a_in_b)
    ci_b = stats.jeffreys(shared, nb) if sampled else (b_in_a, b_in_a)
    j = shared / union if union else 0.0
    rel = _relation(j, a_in_b, b_in_a, settings)
    if rel is None:
        return None
    return LeakLink(a.id, b.id, rel, j, fingerprint_jaccard(a.fingerprint, b.fingerprint),
                    a_in_b, ci_a, b_in_a, ci_b, shared, sampled)


def candidate_pairs(items: list[ListTokens], settings: LinkSettings) -> list[tuple[int, int]]:
    """Pairs of lists (indexes into ``items``) the LSH indexes put forward.

    One query per list: datasketch's LSH API takes one MinHash at a time (this loops
    over lists, never over records).
    """
    if len(items) < 2:
        return []
    from datasketch import MinHashLSH, MinHashLSHEnsemble  # imports scipy: only here

    num_perm, seed = items[0].num_perm, items[0].seed
    if any(i.num_perm != num_perm or i.seed != seed for i in items):
        raise ValueError("lists were fingerprinted with different parameters")
    mh = [new_minhash(num_perm, seed, i.fingerprint) for i in items]
    lsh = MinHashLSH(threshold=settings.search_at, num_perm=num_perm)
    for k, m in enumerate(mh):
        lsh.insert(k, m)
    ensemble = MinHashLSHEnsemble(threshold=settings.search_at, num_perm=num_perm,
                                  num_part=max(1, min(8, len(items))))
    ensemble.index([(k, m, i.size) for k, (m, i) in enumerate(zip(mh, items, strict=True))])
    pairs: set[tuple[int, int]] = set()
    for k, (m, i) in enumerate(zip(mh, items, strict=True)):
        for other in (*lsh.query(m), *ensemble.query(m, i.size)):
            if other != k:
                pairs.add((min(k, other), max(k, other)))
    return sorted(pairs)


def find_links(items: list[ListTokens], settings: LinkSettings | None = None) -> list[LeakLink]:
    """Every reportable link among lists sketched under one key, strongest first."""
    settings = settings or LinkSettings()
    links = [measure(items[i], items[j], settings) for i, j in candidate_pairs(items, settings)]
    found = [x for x in links if x is not None]
    return sorted(found, key=lambda x: (-max(x.a_in_b, x.b_in_a), -x.jaccard, x.a, x.b))


def links_to(query: ListTokens, items: list[ListTokens],
             settings: LinkSettings | None = None) -> list[LeakLink]:
    """Links of one list to each of ``items`` (the query is always ``a``)."""
    settings = settings or LinkSettings()
    pool = [query, *items]
    wanted = {j for i, j in candidate_pairs(pool, settings) if i == 0}
    found = [measure(query, pool[j], settings) for j in sorted(wanted)]
    return sorted((x for x in found if x is not None),
                  key=lambda x: (-max(x.a_in_b, x.b_in_a), -x.jaccard, x.b))

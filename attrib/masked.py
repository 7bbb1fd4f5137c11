"""Masked identifiers as weaker evidence: chance collisions and their likelihood.

A masked anchor (``attrib.tokens.MASKED_ANCHORS``: name + ``138****1234``, ...) points
at a person less surely than a full one: other people share it. What matters is how
often a person *outside* a source S carries a masked token S holds. Write ``c`` for
the probability that two random people share the masked value (the collision rate of
the type); then a random person shares the value of one given person of S's with
probability about ``c``, and the probability of a record in the population is ``k/|U|``
with ``k = 1 + (|U| - 1) c`` people behind each masked value on average.

In the likelihood (docs/method.md §4) a record matched by a masked token only thus
has probability ``(1-eps)/|S| + eps k/|U|`` under "drawn from S" against ``k/|U|`` from
the population; divided through by ``k`` it is a full match against a source ``k``
times as large: ``(1-eps)/(k|S|) + eps/|U|``. Masked evidence is the size principle
with an effective size.

``c`` is estimated per source from the source itself: the case keeps, for every
masked value it samples, the full anchors behind it (``Sketch.masked_pairs``), so the
colliding pairs inside S are counted: ``c_hat = 2 P f / N^2`` (P colliding pairs and N
persons among the sampled values, f the sampled fraction of values). Few persons give
no information about a rare event, so the rate used is
``max(c_hat, min(c_upper, DEFAULT_COLLISION[type]))``: the data's point estimate when
collisions are seen, otherwise the smaller of its 95% upper bound and a documented,
deliberately pessimistic constant (docs/evidence.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from attrib.arrays import distinct_rows
from attrib.longform import split_by_type
from attrib.tokens import MASKED_ANCHORS, MASKED_COMPANIONS

#: Pessimistic pairwise collision rate per masked anchor type, used when a source is
#: too small to bound its own. Back-of-envelope (docs/evidence.md): two Chinese
#: full names agree with probability <= 1e-4, two ``138****1234`` mobiles ~2e-6, two
#: birth dates ~3e-5, the visible digits of two IDs <= 3e-7 (6 + 4) or 3e-6 (3 + 4);
#: each constant below is 3-100 times the product.
DEFAULT_COLLISION: dict[str, float] = {
    "masked_phone_name": 1e-9,
    "masked_phone_dob": 1e-9,
    "masked_id_name": 1e-10,
    "masked_id3_name": 1e-9,
}
#: Confidence of the upper bound on the collision count.
UPPER_CONFIDENCE = 0.95


def collision_pairs(tokens: pl.DataFrame | Mapping[str, pl.DataFrame],
                    sample_below: int | None) -> dict[str, np.ndarray]:
    """Per masked anchor type, the distinct (masked token, companion token) pairs.

    Args:
        tokens: a list's tokens in long form (``row``, ``type``, ``token``, ``anchor``),
            full and masked anchors together, or that frame split by type
            (:func:`attrib.longform.split_by_type`).
        sample_below: keep only masked tokens at most this value (the FracMinHash
            sample); ``None`` keeps all (the exact tier).

    Returns:
        ``{type: uint64 array of shape (n, 2)}``, sorted, one row per pair.
    """
    parts = split_by_type(tokens) if isinstance(tokens, pl.DataFrame) else tokens
    out = {}
    for mtype, companion in MASKED_COMPANIONS.items():
        masked = parts.get(mtype)
        if masked is None:
            continue
        rows, tokens = masked["row"].to_numpy(), masked["token"].to_numpy()
        if sample_below is not None:
            keep = (tokens <= np.uint64(min(sample_below, 2**64 - 1)) if sample_below >= 0
                    else np.zeros(tokens.size, dtype=np.bool_))
            rows, tokens = rows[keep], tokens[keep]
        if tokens.size == 0:
            continue
        comp = parts.get(companion)
        if comp is None:
            pairs = np.zeros((0, 2), dtype=np.uint64)
        else:
            pairs = _row_join(rows, tokens, comp["row"].to_numpy(), comp["token"].to_numpy())
        out[mtype] = distinct_rows(pairs)
    return out


def _row_join(left_rows: np.ndarray, left: np.ndarray, right_rows: np.ndarray,
              right: np.ndarray) -> np.ndarray:
    """``(left, right)`` value pairs of equal rows (an inner join on the row, every match).

    The masked side is the small, sampled one; the companion side arrives in row order
    from :func:`attrib.tokens.record_tokens`, so a binary search per masked row replaces
    a hash join (sorted here first if it is not).
    """
    step = right_rows[1:] > right_rows[:-1]
    if np.all(step):  # one companion per row at most: one binary search
        lo = np.searchsorted(right_rows, left_rows, side="left")
        found = lo < right_rows.size
        found[found] = right_rows[lo[found]] == left_rows[found]
        return np.stack([left[found], right[lo[found]]], axis=1).astype(np.uint64)
    if not np.all(right_rows[1:] >= right_rows[:-1]):
        order = np.argsort(right_rows, kind="stable")
        right_rows, right = right_rows[order], right[order]
    lo = np.searchsorted(right_rows, left_rows, side="left")
    hi = np.searchsorted(right_rows, left_rows, side="right")
    n = hi - lo
    # Index of every match: lo of its left row plus its rank among that row's matches.
    firsts = np.repeat(lo, n)
    ranks = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return np.stack([np.repeat(left, n), right[firsts + ranks]], axis=1).astype(np.uint64)


def merge_pairs(stores: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Union of pair sets of parts of one list."""
    keys = sorted({k for s in stores for k in s})
    return {k: distinct_rows(np.concatenate([s[k] for s in stores if k in s])) for k in keys}


@dataclass(frozen=True)
class CollisionRate:
    """How often two people share one masked value, as estimated from a source."""

    token_type: str
    persons: int  # distinct persons behind the sampled masked values
    pairs: int  # pairs of them sharing a masked value
    fraction: float  # share of masked values sampled (1 in the exact tier)
    estimate: float  # 2 P f / N^2
    upper: float  # the same with P at its upper confidence bound
    rate: float  # the rate used: max(estimate, min(upper, default))

    def multiplier(self, population: int) -> float:
        """``k``: the expected number of people in the population behind one value."""
        return 1.0 + (population - 1) * self.rate


def collision_rate(token_type: str, pairs: np.ndarray | None, fraction: float) -> CollisionRate:
    """Estimate a masked type's pairwise collision rate from a source's pairs.

    Args:
        token_type: a masked anchor type.
        pairs: the source's (masked, companion) pairs (``collision_pairs``), or None.
        fraction: the share of masked values the pairs were kept for (1 or 1/scale).
    """
    default = DEFAULT_COLLISION[token_type]
    if pairs is None or len(pairs) < 2:
        return CollisionRate(token_type, 0 if pairs is None else len(pairs), 0, fraction,
                             0.0, 1.0, default)
    _, per_value = np.unique(pairs[:, 0], return_counts=True)
    n = int(per_value.sum())
    p = int((per_value * (per_value - 1) // 2).sum())
    from scipy import stats as sps  # ~0.3 s to import; only attribution needs it

    p_upper = 0.5 * float(sps.chi2.ppf(UPPER_CONFIDENCE, 2 * (p + 1)))
    estimate = min(1.0, 2.0 * p * fraction / n**2)
    upper = min(1.0, 2.0 * p_upper * fraction / n**2)
    return CollisionRate(token_type, n, p, fraction, estimate, upper,
                         max(estimate, min(upper, default)))


def source_multipliers(pairs: dict[str, np.ndarray] | None, fraction: float,
                       population: int) -> dict[str, float]:
    """``k`` of every masked anchor type for one source."""
    pairs = pairs or {}
    return {t: collision_rate(t, pairs.get(t), fraction).multiplier(population)
            for t in MASKED_ANCHORS}


def weak_membership_loglik(n: int, m_full: int, k_weak: np.ndarray, size: float,
                           population: float, weights: np.ndarray | None = None,
                           ) -> tuple[float, float]:
    """Log-likelihood of a leak's records under "drawn from S" with weak matches.

    ``m_full`` records match S by a full anchor (probability ``(1-eps)/|S| + eps/|U|``),
    each record ``r`` of ``k_weak`` by a masked anchor or as a near-duplicate only
    (``(1-eps)/(k_r |S|) + eps/|U|``), the other ``n - m_full - len(k_weak)`` not at all
    (``eps/|U|``), with eps at its maximum-likelihood value. A weak match of weight
    ``w_r`` < 1 (a near-duplicate's similarity) counts as matched for ``w_r`` of a
    record and unmatched for the rest. With no weak matches this is
    :func:`attrib.attribution.stats.membership_loglik`.

    Returns:
        (log-likelihood, eps).
    """
    u = 1.0 / population
    k_weak = np.asarray(k_weak, dtype=float)
    wts = np.ones(k_weak.size) if weights is None else np.asarray(weights, dtype=float)
    ks, inverse = np.unique(k_weak, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=wts, minlength=ks.size)
    a = np.concatenate([[1.0 / size], 1.0 / (ks * size)])
    w = np.concatenate([[float(m_full)], counts.astype(float)])
    unmatched = float(n - m_full - counts.sum())

    def loglik(eps: float) -> float:
        inside = np.log((1.0 - eps) * a + eps * u)
        total = float((w * np.where(w > 0, inside, 0.0)).sum())
        return total + (unmatched * math.log(eps * u) if unmatched else 0.0)

    def slope(eps: float) -> float:
        return float((w * (u - a) / ((1.0 - eps) * a + eps * u)).sum()) + unmatched / eps

    eps = _max_concave(slope, 1e-9, 1.0)
    return loglik(eps), eps


def _max_concave(slope, lo: float, hi: float, iterations: int = 200) -> float:
    """The maximiser in [lo, hi] of a concave function given its derivative (bisection)."""
    if slope(lo) <= 0:
        return lo
    if slope(hi) >= 0:
        return hi
    for _ in range(iterations):
        mid = math.sqrt(lo * hi) if hi / lo > 4 else 0.5 * (lo + hi)
        if slope(mid) > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return 0.5 * (lo + hi)

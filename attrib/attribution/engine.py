"""From overlaps to an attribution: containment, likelihood, mixture, window, verdict.

The unit of evidence is a leak *record*. A record is checkable against a candidate
snapshot S when it carries an anchor token (national ID, phone, e-mail, plate,
name+birth date, name+phone) of a kind S holds; it is matched when any such anchor is
in S. In the sampled tier only records with a sampled anchor take part (a uniform
sample of the leak); in the exact tier every record does. For matched records, the
version tokens (anchor paired with address, phone, e-mail or plate) tell whether the
record carries S's copy of the person's fields.

Closed world, the likelihood of "the leak was drawn from S, with a share eps of
outside records" is (design §5)::

    sum over matched records   log((1-eps)/|S| + eps/|U|)
  + sum over unmatched records log(eps/|U|)
  + sum over field checks      log(1-delta) if S's copy agrees else log(delta)

with eps at its maximum-likelihood value. Smaller sources that explain the leak as
well win (the size principle). Open world, the best organisation must also show that
the leak carries *its* copies of the records: the field-agreement rate of its matched
records is tested against the rate expected of a list taken elsewhere (a generalised
likelihood-ratio test per field between agreement >= agree_in and <= agree_out,
together with how plausible the containment is for an outside source). The
probability that the source is outside the case is what that test leaves.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from attrib import neardup
from attrib.arrays import distinct, sorted_member
from attrib.attribution import stats
from attrib.canary import FALSE_MATCH_RATE, CanaryMatch, CanarySet, match_canaries
from attrib.masked import source_multipliers, weak_membership_loglik
from attrib.sketch import Sketch
from attrib.tokens import ANCHORS, MASKED_ANCHORS, VERSION_ANCHORS


@dataclass(frozen=True)
class Settings:
    """Every parameter of the attribution; all are reported in the result."""

    #: Per field: (noise, cross, agree_in, agree_out). ``noise``: share of checks that
    #: disagree even for the true source (typos, updates between leak and snapshot);
    #: ``cross``: typical agreement between two organisations' copies; a list carrying
    #: this organisation's copy agrees at least ``agree_in``, one carrying another
    #: organisation's copy at most ``agree_out``. A field two organisations may hold
    #: identically (names, plates, e-mails: agree_out 1) can only count against a
    #: candidate. Chosen on the benchmark (docs/benchmarks.md).
    field_rates: dict[str, tuple[float, float, float, float]] = field(default_factory=lambda: {
        "address": (0.05, 0.55, 0.75, 0.65),
        "phone": (0.02, 0.86, 0.95, 0.90),
        "email": (0.02, 0.97, 0.95, 1.0),
        "plate": (0.02, 0.97, 0.95, 1.0),
        "name": (0.03, 0.97, 0.83, 1.0),
    })
    #: Where this candidate's copy and another organisation's copy of a person differ,
    #: a list taken from this candidate sides with it at least ``side_in``; a list
    #: taken from an organisation outside the case at most ``side_out``.
    side_in: float = 0.9
    side_out: float = 0.6
    #: Largest share of padding a list attributed to a source may carry.
    max_padding: float = 0.5
    #: Beta prior (a, b) of how much of an outside organisation's list a candidate
    #: holds, mixed with what the case's other organisations show (see
    #: ``_containment_log_lr``); ``overlap_bandwidth`` smooths the latter.
    outside_overlap_prior: tuple[float, float] = (2.0, 3.0)
    overlap_bandwidth: float = 0.05
    #: Cap of the containment's log-likelihood ratio either way: containment alone
    #: never decides whether the source is in the case.
    containment_llr_cap: float = math.log(50.0)
    #: Prior probability that the true source is not among the case's candidates.
    prior_outside: float = 0.2
    #: Minimum posterior confidence to name an institution.
    attribute_threshold: float = 0.9
    #: Minimum probability that a mixture component carries its own organisation's
    #: copies: naming several organisations is a stronger claim than naming one.
    component_threshold: float = 0.99
    #: Minimum share of the leak a component must explain to be reported.
    min_component_share: float = 0.08
    #: Minimum records a component must explain.
    min_component_records: int = 5
    #: One-sided p-value below which a component's overlap is not chance.
    chance_alpha: float = 1e-4
    #: Minimum lower 95% bound of containment to attribute a whole list to one org.
    min_containment: float = 0.5
    #: Sampled records below which the exact tier is used where available.
    exact_below: int = 1000
    #: Log-likelihood ratio within which snapshots are consistent with the leak.
    window_llr: float = math.log(20.0)
    #: Containment interval (95%): "jeffreys" or "clopper-pearson" (conservative).
    interval: str = "jeffreys"
    #: EM iterations for the mixture shares.
    em_iterations: int = 500
    #: Use masked anchors (name + ``138****1234``, ...) as weaker evidence for records
    #: that carry no full identifier (attrib/masked.py, docs/evidence.md).
    masked_evidence: bool = True
    #: Match records no anchor matched as near-duplicates on name + address (keyed
    #: shingles, attrib/neardup.py), as weaker evidence weighted by their similarity.
    neardup_evidence: bool = True

    def to_dict(self) -> dict[str, Any]:
        """JSON-native form (tuples as lists), as the result document stores it."""
        return dict(json.loads(json.dumps(asdict(self))))


@dataclass(frozen=True)
class CandidateResult:
    org: str
    snapshot: str
    tier: str
    checkable_records: int
    matched_sample: int
    containment: float
    containment_ci: tuple[float, float]
    matched_records: int
    exclusive_records: int
    field_checks: int
    field_agreements: int
    exclusive_versions: int
    outside_share: float
    field_counts: dict[str, list[int]]
    loglik: float
    probability: float
    guilt_baseline: float
    size: int
    #: Of ``matched_records``, those matched by a masked anchor only (weaker evidence).
    masked_records: int = 0
    #: Of ``matched_records``, those matched as near-duplicates only (name + address).
    neardup_records: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["containment_ci"] = list(self.containment_ci)
        return d


@dataclass(frozen=True)
class Component:
    org: str
    snapshot: str
    fraction: float
    records: int
    field_agreement: float
    source_in_case: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    status: str  # attributed | mixture | inconclusive
    org: str | None
    snapshot_window: tuple[str, str] | None
    confidence: float
    reason: str

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["snapshot_window"] = list(self.snapshot_window) if self.snapshot_window else None
        return d


@dataclass(frozen=True)
class Attribution:
    """Everything the engine concluded; renderers consume this, nothing formats inside."""

    tier: str
    records: int
    anchored_records: int
    observed_records: int
    candidates: list[CandidateResult]
    components: list[Component]
    unexplained_fraction: float
    verdict: Verdict
    outside_probability: float
    window_snapshots: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    settings: Settings
    population: int
    priors: dict[str, Any] = field(default_factory=dict)
    #: Canary records of the case found in the leak (ids and rows, no values).
    canaries: list[CanaryMatch] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "tier": self.tier,
            "records": self.records,
            "anchored_records": self.anchored_records,
            "observed_records": self.observed_records,
            "candidates": [c.to_dict() for c in self.candidates],
            "components": [c.to_dict() for c in self.components],
            "unexplained_fraction": self.unexplained_fraction,
            "verdict": self.verdict.to_dict(),
            "outside_probability": self.outside_probability,
            "window": self.window_snapshots,
            "evidence": self.evidence,
            "settings": self.settings.to_dict(),
            "population": self.population,
            "priors": self.priors,
            "canaries": [c.to_dict() for c in self.canaries],
        }


# ---------------------------------------------------------------------------
# Record-level membership


@dataclass
class _Observation:
    """Membership of the observed leak records in one candidate snapshot."""

    checkable: np.ndarray  # bool over observed records
    matched: np.ndarray  # bool over observed records
    field_rows: np.ndarray  # observed-record index of each (record, field) check
    field_hits: np.ndarray  # bool per check
    field_keys: np.ndarray  # int64 key (record * 16 + field) per check
    #: Per observed record matched by a masked anchor only: its chance multiplier k
    #: (attrib/masked.py); 0 for every other record. None without masked evidence.
    weak_k: np.ndarray | None = None
    #: Weight of each weak match (1 for a masked anchor, the similarity of a
    #: near-duplicate); None when every weak match weighs 1.
    weak_w: np.ndarray | None = None
    #: Observed records matched as near-duplicates; None without any.
    neardup: np.ndarray | None = None


def _in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if sorted_set.size == 0 or values.size == 0:
        return np.zeros(values.shape, dtype=bool)
    idx = np.searchsorted(sorted_set, values)
    idx[idx == sorted_set.size] = 0
    return np.asarray(sorted_set[idx] == values)


_FIELD_CODES = {"address": 0, "phone": 1, "email": 2, "plate": 3, "name": 4}


@dataclass(frozen=True)
class _Prepared:
    """The observed records' tokens by type, each column as (sorted distinct values,
    index of every value among them): checked against every source, so prepared once."""

    by_type: dict[tuple[Any, ...], pl.DataFrame]
    token: dict[str, tuple[np.ndarray, np.ndarray]]
    anchor: dict[str, tuple[np.ndarray, np.ndarray]]


def _prepare(recs: pl.DataFrame) -> _Prepared:
    by_type = recs.partition_by("type", as_dict=True)
    token, anchor = {}, {}
    for (t,), part in by_type.items():
        token[t] = np.unique(part["token"].to_numpy(), return_inverse=True)
        anchor[t] = np.unique(part["anchor"].to_numpy(), return_inverse=True)
    return _Prepared(by_type, token, anchor)


def _member(prepared: tuple[np.ndarray, np.ndarray], sorted_set: np.ndarray) -> np.ndarray:
    """Per value of a prepared column: whether it is in ``sorted_set``."""
    distinct, inverse = prepared
    return _distinct_in(distinct, sorted_set)[inverse]


def _distinct_in(distinct: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``_in_sorted`` for sorted distinct values: the smaller side is searched in the
    larger (a source's sample is often far smaller than the leak's tokens of a type)."""
    if sorted_set.size == 0 or distinct.size == 0:
        return np.zeros(distinct.size, dtype=bool)
    if sorted_set.size < distinct.size:
        pos = np.searchsorted(distinct, sorted_set)
        pos[pos == distinct.size] = 0
        hit = np.zeros(distinct.size, dtype=bool)
        hit[pos[distinct[pos] == sorted_set]] = True
        return hit
    return _in_sorted(distinct, sorted_set)


def _observe(
    recs: pl.DataFrame, rec_index: np.ndarray, n_obs: int, source: Sketch, exact: bool,
    masked_only: np.ndarray | None = None, multipliers: dict[str, float] | None = None,
    prepared: _Prepared | None = None,
) -> _Observation:
    """Check the observed leak records against one source snapshot.

    ``masked_only`` (bool over observed records) marks the records with no full
    identifier; they are checked by their masked anchors (chance multipliers
    ``multipliers``), see :func:`_observe_masked`. ``prepared``: :func:`_prepare` of
    ``recs`` (made here when not given).
    """
    checkable = np.zeros(n_obs, dtype=bool)
    matched = np.zeros(n_obs, dtype=bool)
    frows, fhits, fkeys = [], [], []
    prep = prepared or _prepare(recs)
    by_type = prep.by_type
    weak_k = None
    if masked_only is not None and multipliers is not None:
        weak = _observe_masked(by_type, rec_index, source, exact, masked_only, multipliers)
        checkable |= weak.checkable
        matched |= weak.matched
        weak_k = weak.weak_k
        frows.append(weak.field_rows)
        fhits.append(weak.field_hits)
        fkeys.append(weak.field_keys)
    for (t,), part in by_type.items():
        if t not in ANCHORS or not source.holds(t):
            continue
        obs = rec_index[part["row"].to_numpy()]
        hit = _member(prep.token[t], source.tokens(t, exact=exact))
        checkable[obs] = True
        matched[obs[hit]] = True
        if t not in VERSION_ANCHORS:
            continue
        hit_anchors = distinct(part["token"].to_numpy()[hit])
        for (vt,), vpart in by_type.items():
            anchor, _, fld = vt.partition(">")
            if anchor != t or not fld or not source.holds(vt):
                continue
            keep = _member(prep.anchor[vt], hit_anchors)
            if not keep.any():
                continue
            vobs = rec_index[vpart["row"].to_numpy()[keep]]
            vhit = _in_sorted(vpart["token"].to_numpy()[keep], source.tokens(vt, exact=exact))
            frows.append(vobs)
            fhits.append(vhit)
            fkeys.append(vobs.astype(np.int64) * 16 + _FIELD_CODES[fld])
    if frows:
        rows = np.concatenate(frows)
        hits = np.concatenate(fhits)
        keys = np.concatenate(fkeys)
        # One check per (record, field): several anchors may carry the same field.
        order = np.lexsort((~hits, keys))
        keys, rows, hits = keys[order], rows[order], hits[order]
        first = np.ones(keys.size, dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        rows, hits, keys = rows[first], hits[first], keys[first]
    else:
        rows = np.zeros(0, dtype=np.int64)
        hits = np.zeros(0, dtype=bool)
        keys = np.zeros(0, dtype=np.int64)
    return _Observation(checkable, matched & checkable, rows, hits, keys, weak_k)


def _observe_masked(by_type: dict[tuple[Any, ...], pl.DataFrame], rec_index: np.ndarray,
                    source: Sketch, exact: bool, masked_only: np.ndarray,
                    multipliers: dict[str, float]) -> _Observation:
    """Check the records without a full identifier by their masked anchors.

    A record matched by several masked types keeps the smallest chance multiplier (the
    most specific type). Version tokens of matched masked anchors give field checks,
    as full anchors' do.
    """
    n_obs = masked_only.size
    checkable = np.zeros(n_obs, dtype=bool)
    weak_k = np.full(n_obs, np.inf)
    frows, fhits, fkeys = [], [], []
    for (t,), part in by_type.items():
        if t not in MASKED_ANCHORS or not source.holds(t) or not source.has_masked(t):
            continue
        obs = rec_index[part["row"].to_numpy()]
        sel = masked_only[obs]
        tokens = part["token"].to_numpy()[sel]
        hit = _in_sorted(tokens, source.tokens(t, exact=exact))
        checkable[obs[sel]] = True
        np.minimum.at(weak_k, obs[sel][hit], multipliers[t])
        hit_anchors = distinct(tokens[hit])
        for (vt,), vpart in by_type.items():
            anchor, _, fld = vt.partition(">")
            if anchor != t or not fld or not source.holds(vt):
                continue
            vrows = rec_index[vpart["row"].to_numpy()]
            keep = _in_sorted(vpart["anchor"].to_numpy(), hit_anchors) & masked_only[vrows]
            vobs = vrows[keep]
            vhit = _in_sorted(vpart["token"].to_numpy()[keep], source.tokens(vt, exact=exact))
            frows.append(vobs)
            fhits.append(vhit)
            fkeys.append(vobs.astype(np.int64) * 16 + _FIELD_CODES[fld])
    matched = np.isfinite(weak_k)
    weak_k[~matched] = 0.0

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    return _Observation(checkable, matched, cat(frows, np.int64), cat(fhits, bool),
                        cat(fkeys, np.int64), weak_k)


def _full_anchor_rows(leak: Sketch) -> pl.Series:
    """Rows of the leak that carry a full identifier (any anchor of ``ANCHORS``)."""
    assert leak.records is not None
    return leak.records.filter(pl.col("type").is_in(list(ANCHORS)))["row"].unique()


def _masked_only_rows(leak: Sketch, recs: pl.DataFrame) -> pl.Series:
    """Rows of ``recs`` with a masked anchor and no full identifier in the whole leak."""
    masked = recs.filter(pl.col("type").is_in(list(MASKED_ANCHORS)))
    if masked.height == 0:
        return pl.Series("row", [], dtype=pl.UInt32)
    full = _full_anchor_rows(leak)
    return masked.filter(~pl.col("row").is_in(full.implode()))["row"].unique()


def _anchor_containment(recs: pl.DataFrame, source: Sketch, exact: bool,
                        masked_rows: np.ndarray | None = None,
                        credit: np.ndarray | None = None,
                        rec_index: np.ndarray | None = None,
                        prepared: _Prepared | None = None) -> tuple[int, int]:
    """Distinct leak anchor tokens of the kinds ``source`` holds, and how many it has.

    This is the containment attrib reports: each anchor token is in the sampled tier
    independently of every other (its own keyed hash decides), so the sampled count
    is a binomial sample of exactly the quantity the exact tier counts. Records with no
    full identifier (``masked_rows``) count with their masked anchors.

    ``credit`` (per observed record, in [0, 1]; ``rec_index`` maps leak rows to observed
    records): a token the source lacks counts as found with the largest credit of the
    records carrying it — a near-duplicate record's similarity. Credit is given per
    *token* (a record with two anchors the source lacks lends its similarity to both),
    so the sampled tier, which sees a record through each of its sampled tokens, is a
    sample of the same quantity the exact tier counts.
    """
    n, m = 0, 0.0
    prep = prepared or _prepare(recs)
    for (t,), part in prep.by_type.items():
        if t in MASKED_ANCHORS and masked_rows is not None and source.holds(t) \
                and source.has_masked(t):
            part = part.filter(pl.col("row").is_in(masked_rows))
            tokens, inverse = np.unique(part["token"].to_numpy(), return_inverse=True)
        elif t not in ANCHORS or not source.holds(t):
            continue
        else:
            tokens, inverse = prep.token[t]
        hit = _distinct_in(tokens, source.tokens(t, exact=exact))
        n += int(tokens.size)
        m += float(hit.sum())
        if credit is not None and rec_index is not None and tokens.size:
            best = np.zeros(tokens.size)
            np.maximum.at(best, inverse.ravel(), credit[rec_index[part["row"].to_numpy()]])
            m += float(best[~hit].sum())
    return n, min(n, int(round(m)))


def _neardup_credit(o: _Observation, leak: Sketch, source: Sketch, observed: np.ndarray,
                    tier: str) -> np.ndarray | None:
    """Per observed record: its near-duplicate similarity (0 for every other record).

    Only records no anchor matches get near-duplicate credit. The sampled tier sees a
    record through its sampled anchors only, and would credit a record whose unsampled
    anchor the source holds; where the source keeps its exact tier (near-duplicate
    signatures need it), such records get none, so both tiers credit the same tokens.
    """
    if o.neardup is None or o.weak_w is None or not o.neardup.any():
        return None
    credit = np.where(o.neardup, o.weak_w, 0.0)
    if tier != "sampled" or source.exact is None or leak.records is None:
        return credit
    rows = observed[o.neardup]
    recs = leak.records.filter(pl.col("row").is_in(pl.Series(rows).implode()))
    masked_only = ~np.isin(rows, _full_anchor_rows(leak).to_numpy())
    hit_rows = []
    for (t,), part in recs.partition_by("type", as_dict=True).items():
        if t in MASKED_ANCHORS and source.holds(t) and source.has_masked(t):
            part = part.filter(pl.col("row").is_in(pl.Series(rows[masked_only]).implode()))
        elif t not in ANCHORS or not source.holds(t):
            continue
        hit = _in_sorted(part["token"].to_numpy(), source.tokens(t, exact=True))
        hit_rows.append(part["row"].to_numpy()[hit])
    if hit_rows:
        credit[np.isin(observed, np.concatenate(hit_rows))] = 0.0
    return credit


def _observed_records(leak: Sketch, tier: str, masked: bool = True,
                      ) -> tuple[pl.DataFrame, np.ndarray, np.ndarray]:
    """The leak's token rows taking part, and the map record -> observed index.

    Records with a (sampled) full anchor take part; with ``masked``, so do records with
    no full identifier at all and a (sampled) masked anchor.
    """
    assert leak.records is not None
    recs = leak.records
    if tier == "sampled":
        recs = recs.filter(pl.col("anchor") <= leak.params.max_hash)
    anchor_rows = recs.filter(pl.col("type").is_in(list(ANCHORS)))["row"].unique()
    if masked:
        anchor_rows = pl.concat([anchor_rows, _masked_only_rows(leak, recs)]).unique()
    anchor_rows = anchor_rows.sort()
    observed = anchor_rows.to_numpy().astype(np.int64)
    rec_index = np.full(max(leak.rows, 1), -1, dtype=np.int64)
    rec_index[observed] = np.arange(observed.size)
    recs = recs.filter(pl.col("row").is_in(anchor_rows.implode()))
    return recs, rec_index, observed


def choose_tier(leak: Sketch, sources: list[Sketch], settings: Settings) -> str:
    """Exact tier when the sample is too small and every source keeps exact tokens (and
    the leak was sketched with every version token: meta ``versions`` is not
    ``sampled``)."""
    assert leak.records is not None
    if leak.meta.get("versions") == "sampled":
        return "sampled"
    sampled = (
        leak.records.filter(
            pl.col("type").is_in(list(ANCHORS)) & (pl.col("anchor") <= leak.params.max_hash)
        )["row"].n_unique()
    )
    if settings.masked_evidence:
        kept = leak.records.filter(pl.col("anchor") <= leak.params.max_hash)
        sampled += _masked_only_rows(leak, kept).len()
    if sampled < settings.exact_below and all(s.exact is not None for s in sources):
        return "exact"
    return "sampled"


# ---------------------------------------------------------------------------
# The engine


def attribute(
    leak: Sketch,
    sources: list[Sketch],
    population: int,
    settings: Settings | None = None,
    canaries: list[CanarySet] | None = None,
) -> Attribution:
    """Attribute a leak to the case's source snapshots.

    Args:
        leak: the leak's sketch (with its records' tokens).
        sources: every source snapshot sketch of the case.
        population: size of the population U outside records are drawn from.
        settings: thresholds and priors (defaults documented in docs/method.md).
        canaries: the case's canary records; one found in the leak overrides the
            likelihood (:func:`_canary_override`).
    """
    settings = settings or Settings()
    if leak.records is None:
        raise ValueError("leak sketch lacks record tokens")
    tier = choose_tier(leak, sources, settings)
    exact = tier == "exact"
    recs, rec_index, observed = _observed_records(leak, tier, settings.masked_evidence)
    n_obs = observed.size
    masked_only, multipliers = _masked_setup(leak, sources, observed, population, settings)
    prepared = _prepare(recs)
    obs = [_observe(recs, rec_index, n_obs, s, exact, masked_only, multipliers[i], prepared)
           for i, s in enumerate(sources)]
    if settings.neardup_evidence:
        obs = [_with_neardup(o, leak, s, rec_index, population)
               for o, s in zip(obs, sources, strict=True)]
    sizes = np.array([max(s.persons, 1) for s in sources], dtype=float)
    orgs = [s.meta["org"] for s in sources]
    snaps = [s.meta["snapshot"] for s in sources]
    anchored = _anchored_records(leak, settings.masked_evidence)

    # Per-candidate likelihood (per observed record, then on a common scale). The field
    # checks enter as a ratio against a copy taken elsewhere (agreement ``cross``), so
    # that "from the population at large" (no checks) is a comparable hypothesis.
    per_record, eps_list = [], []
    for o, size in zip(obs, sizes, strict=True):
        n = int(o.checkable.sum())
        ll, eps = _membership_loglik(o, size, population)
        ll += _version_llr(o, settings)
        per_record.append(ll / n if n else -np.inf)
        eps_list.append(eps)
    ns = np.array([int(o.checkable.sum()) for o in obs])
    common = _common_evidence(ns)
    logliks = np.array([p * common if np.isfinite(p) else -np.inf for p in per_record])
    pop_loglik = -common * math.log(population)

    # Posterior over the candidates and "drawn from the population at large": prior
    # prior_outside on the latter, the rest uniform over organisations, then snapshots.
    prior = np.append(_org_uniform_prior(orgs) * (1 - settings.prior_outside),
                      settings.prior_outside)
    with np.errstate(divide="ignore"):
        closed = stats.softmax(np.log(prior) + np.append(logliks, pop_loglik))
    closed = np.nan_to_num(closed)[:-1]

    # Gather + EM over the observed records.
    member = np.stack([o.matched for o in obs], axis=1) if obs else np.zeros((n_obs, 0), bool)
    best_snap = _best_snapshot_per_org(orgs, logliks)
    comps_idx = _gather(member, best_snap, sizes, population, settings)
    comps_idx = _nested_components(member, comps_idx, best_snap, sizes, population, settings)
    shares, unexplained = _em_shares(member, comps_idx, sizes, population, settings)

    # Open world: does the leak carry the best organisation's copies?
    sides = _sides(obs, orgs, settings)
    profiles = _profiles(recs, sources, orgs, exact)
    masked_rows = observed[masked_only] if masked_only is not None else None
    anchor_counts = [_anchor_containment(recs, s, exact, masked_rows,
                                         _neardup_credit(o, leak, s, observed, tier), rec_index,
                                         prepared)
                     for s, o in zip(sources, obs, strict=True)]
    p_in = [_source_in_case(obs[i], sides[i], profiles[i], settings, anchor_counts[i])
            for i in range(len(obs))]
    comp_in = _component_source_in_case(obs, orgs, member, comps_idx, sources, recs, rec_index,
                                        exact, settings)
    components = [
        Component(
            org=orgs[i], snapshot=snaps[i], fraction=float(shares[j]),
            records=int(member[:, i].sum()),
            field_agreement=_agreement(obs[i]), source_in_case=float(comp_in[j]),
        )
        for j, i in enumerate(comps_idx)
    ]
    # Open world: each candidate's share keeps only the part its own copies support.
    probability = closed * np.array(p_in) if len(closed) else closed
    top = int(np.argmax(probability)) if len(probability) else -1
    outside_probability = float(1.0 - probability.sum())
    found = match_canaries(leak.records, canaries) if canaries else []
    if found and any(c.org in orgs for c in found):
        probability, top, outside_probability = _canary_override(found, probability, orgs,
                                                                  logliks)

    # Exclusive evidence: records matched by one organisation only.
    org_names = sorted(set(orgs))
    org_member = np.stack(
        [member[:, [k for k, o in enumerate(orgs) if o == name]].any(axis=1) for name in org_names],
        axis=1,
    ) if obs else np.zeros((n_obs, 0), bool)
    only_one = org_member.sum(axis=1) == 1
    exclusive_versions = _exclusive_versions(obs, orgs)
    # Exclusive evidence is what an examiner shows: a token match, never a similarity.
    strong = member & ~np.stack([_neardup_mask(o) for o in obs], axis=1) if obs else member

    scale_up = _scale_up(leak, recs, tier, anchored, n_obs)
    guilt = _guilt_baseline(member)
    candidates = []
    for i, _s in enumerate(sources):
        o = obs[i]
        n, m = int(o.checkable.sum()), int(o.matched.sum())
        tok_n, tok_m = anchor_counts[i]
        lo, hi = stats.INTERVALS[settings.interval](tok_m, tok_n)
        cont = tok_m / tok_n if tok_n else 0.0
        if exact:
            lo = hi = cont
        candidates.append(CandidateResult(
            org=orgs[i], snapshot=snaps[i], tier=tier,
            checkable_records=n, matched_sample=m,
            containment=cont, containment_ci=(lo, hi),
            matched_records=int(round(m * scale_up)),
            exclusive_records=int(round(int((strong[:, i] & only_one).sum()) * scale_up)),
            field_checks=int(o.field_hits.size), field_agreements=int(o.field_hits.sum()),
            exclusive_versions=int(exclusive_versions[i]),
            outside_share=float(eps_list[i]), field_counts=_field_counts(o),
            loglik=float(logliks[i]),
            probability=float(probability[i]), guilt_baseline=float(guilt[i]),
            size=int(sizes[i]),
            masked_records=int(round((_weak_matches(o) - _neardup_matches(o)) * scale_up)),
            neardup_records=int(round(_neardup_matches(o) * scale_up)),
        ))
    order = sorted(range(len(candidates)),
                   key=lambda k: (-candidates[k].probability, -candidates[k].loglik,
                                  candidates[k].org, candidates[k].snapshot))
    window, window_rows = _window(top, orgs, snaps, logliks, settings)
    verdict = _verdict(top, orgs, probability, candidates, components, window, settings,
                       outside_probability)
    if found:
        verdict, window_rows = _canary_verdict(found, verdict, orgs, probability, window_rows)
    evidence = _evidence(strong, observed, orgs, org_names, only_one, verdict)
    return Attribution(
        tier=tier,
        records=leak.rows,
        anchored_records=anchored,
        observed_records=n_obs,
        candidates=[candidates[k] for k in order],
        components=components,
        unexplained_fraction=float(unexplained),
        verdict=verdict,
        outside_probability=outside_probability,
        window_snapshots=window_rows,
        evidence=evidence,
        settings=settings,
        population=population,
        priors={"organisations": "uniform over the case's organisations, then uniform over "
                "each organisation's snapshots", "outside": settings.prior_outside},
        canaries=found,
    )


def _canary_override(found: list[CanaryMatch], probability: np.ndarray, orgs: list[str],
                     logliks: np.ndarray) -> tuple[np.ndarray, int, float]:
    """Posterior once canaries are found: near-certainty for their organisations.

    A canary exists only in its organisation's data (and the investigator's canary
    file), so a list that holds one was taken from that data, whatever else it holds:
    the likelihood of the rest is swamped. Each organisation whose canaries are found
    gets an equal share of 1 - FALSE_MATCH_RATE, spread over its snapshots as their
    posterior (or, if all are zero, their likelihood) was; every other hypothesis keeps
    its proportion of FALSE_MATCH_RATE.

    Returns:
        (probability per snapshot, index of the leading snapshot, outside probability).
    """
    canary_orgs = sorted({c.org for c in found if c.org in orgs})
    is_canary = np.array([o in canary_orgs for o in orgs])
    rest = np.append(np.where(is_canary, 0.0, probability), max(1.0 - probability.sum(), 0.0))
    rest = rest / rest.sum() * FALSE_MATCH_RATE if rest.sum() > 0 else rest
    out = rest[:-1].copy()
    for org in canary_orgs:
        idx = [i for i, o in enumerate(orgs) if o == org]
        w = probability[idx]
        if w.sum() <= 0:
            w = stats.softmax(np.nan_to_num(logliks[idx], neginf=-1e300))
        out[idx] = (1.0 - FALSE_MATCH_RATE) / len(canary_orgs) * w / w.sum()
    return out, int(np.argmax(out)), float(rest[-1])


def _canary_verdict(found: list[CanaryMatch], verdict: Verdict, orgs: list[str],
                    probability: np.ndarray, window_rows: list[dict[str, Any]],
                    ) -> tuple[Verdict, list[dict[str, Any]]]:
    """The verdict when the list holds canaries: their organisation(s), near-certain.

    A canary planted on day P is in no copy of the data older than P: snapshots
    before the earliest matched canary's planting date are not consistent.
    """
    per_org: dict[str, int] = {}
    for c in found:
        per_org[c.org] = per_org.get(c.org, 0) + 1
    unknown = sorted(o for o in per_org if o not in orgs)
    known = {o: k for o, k in per_org.items() if o in orgs}
    if not known:
        return replace(verdict, reason=verdict.reason + f"; the list holds canaries of "
                       f"{', '.join(unknown)}, which has no snapshot in the case"), window_rows
    lead = max(sorted(known), key=lambda o: known[o])
    conf = float(sum(p for p, o in zip(probability, orgs, strict=True) if o == lead))
    if len(known) > 1:
        return Verdict("mixture", lead, None, conf,
                       f"the list holds canary records of {len(known)} organisations "
                       f"({', '.join(sorted(known))})"), window_rows
    planted = min(c.planted for c in found if c.org == lead)
    rows = [{**r, "consistent": bool(r["consistent"] and r["snapshot"] >= planted)}
            for r in window_rows]
    reason = (f"the list holds {known[lead]} canary record(s) planted in {lead}'s data "
              f"on {planted}")
    if rows and not any(r["consistent"] for r in rows):
        # Taken after every snapshot in the case: the latest is the nearest copy.
        rows[-1]["consistent"] = True
        reason += ", later than every snapshot of it in the case"
    dates = [r["snapshot"] for r in rows if r["consistent"]]
    window = (min(dates), max(dates)) if dates else None
    return Verdict("attributed", lead, window, conf, reason), rows


def _anchored_records(leak: Sketch, masked: bool = False) -> int:
    assert leak.records is not None
    types = list(ANCHORS) + (list(MASKED_ANCHORS) if masked else [])
    return int(leak.records.filter(pl.col("type").is_in(types))["row"].n_unique())


def _masked_setup(leak: Sketch, sources: list[Sketch], observed: np.ndarray, population: int,
                  settings: Settings) -> tuple[np.ndarray | None, list[dict[str, float] | None]]:
    """Which observed records are masked-only, and each source's chance multipliers."""
    if not settings.masked_evidence:
        return None, [None] * len(sources)
    full = _full_anchor_rows(leak).to_numpy().astype(np.int64)
    masked_only = ~np.isin(observed, full)
    if not masked_only.any():
        return None, [None] * len(sources)
    mults: list[dict[str, float] | None] = [
        source_multipliers(s.masked_pairs, 1.0 / s.params.scale, population) for s in sources]
    return masked_only, mults


def _weak_matches(o: _Observation) -> int:
    return int((o.weak_k > 0).sum()) if o.weak_k is not None else 0


def _neardup_matches(o: _Observation) -> int:
    return int(o.neardup.sum()) if o.neardup is not None else 0


def _neardup_mask(o: _Observation) -> np.ndarray:
    return o.neardup if o.neardup is not None else np.zeros(o.matched.size, dtype=bool)


def _with_neardup(o: _Observation, leak: Sketch, source: Sketch, rec_index: np.ndarray,
                  population: int) -> _Observation:
    """Checkable records no anchor matched, matched to the source as near-duplicates.

    A match counts as a weak match (chance multiplier from ``neardup.CHANCE``) with the
    weight of its similarity. Needs signatures on both sides (leaks, and sources with
    the exact tier).
    """
    if leak.neardup is None or source.neardup is None or source.neardup.size == 0:
        return o
    idx = rec_index[leak.neardup.rows.astype(np.int64)]
    known = idx >= 0
    idx, sig = idx[known], leak.neardup.sig[known]
    open_ = o.checkable[idx] & ~o.matched[idx]
    if not open_.any():
        return o
    sim, _ = neardup.best_matches(sig[open_], source.neardup.sig)
    hit = sim > 0
    who = idx[open_][hit]
    if who.size == 0:
        return o
    weak_k = o.weak_k.copy() if o.weak_k is not None else np.zeros(o.matched.size)
    weak_w = o.weak_w.copy() if o.weak_w is not None else (weak_k > 0).astype(float)
    weak_k[who] = 1.0 + (population - 1) * neardup.CHANCE
    weak_w[who] = sim[hit]
    matched, nd = o.matched.copy(), np.zeros(o.matched.size, dtype=bool)
    matched[who] = nd[who] = True
    return replace(o, matched=matched, weak_k=weak_k, weak_w=weak_w, neardup=nd)


def _membership_loglik(o: _Observation, size: float, population: int) -> tuple[float, float]:
    """The membership log-likelihood of one candidate, masked-only matches weighted.

    Records matched by a masked anchor only count as matches of a source ``k`` times
    as large (attrib/masked.py); without them this is ``stats.membership_loglik``.
    """
    n, m = int(o.checkable.sum()), int(o.matched.sum())
    if not _weak_matches(o):
        return stats.membership_loglik(n, m, size, population)
    assert o.weak_k is not None
    weak = o.weak_k > 0
    weights = o.weak_w[weak] if o.weak_w is not None else None
    return weak_membership_loglik(n, m - int(weak.sum()), o.weak_k[weak], size, population,
                                  weights)


def _scale_up(leak: Sketch, recs: pl.DataFrame, tier: str, anchored: int, n_obs: int) -> float:
    """Factor from observed records to the whole leak (1 in the exact tier)."""
    if tier == "exact" or n_obs == 0:
        return 1.0
    return anchored / n_obs


def _common_evidence(ns: np.ndarray) -> float:
    """The number of records every candidate's per-record log-likelihood is scaled to.

    Candidates see different records (they hold different fields); comparing their
    total log-likelihoods would reward holding more fields, so each candidate's mean
    per-record log-likelihood is scaled to a common count: the smallest count among
    candidates that see at least half as many records as the best-placed one.
    """
    positive = ns[ns > 0]
    if positive.size == 0:
        return 0.0
    return float(positive[positive >= 0.5 * positive.max()].min())


def _org_uniform_prior(orgs: list[str]) -> np.ndarray:
    counts: dict[str, int] = {}
    for o in orgs:
        counts[o] = counts.get(o, 0) + 1
    n_orgs = len(counts)
    return np.array([1.0 / (n_orgs * counts[o]) for o in orgs]) if orgs else np.zeros(0)


def _best_snapshot_per_org(orgs: list[str], logliks: np.ndarray) -> list[int]:
    best: dict[str, int] = {}
    for i, o in enumerate(orgs):
        if o not in best or logliks[i] > logliks[best[o]]:
            best[o] = i
    return sorted(best.values())


def _gather(member: np.ndarray, candidates: list[int], sizes: np.ndarray, population: int,
            settings: Settings) -> list[int]:
    """Greedy decomposition (as sourmash's gather): best explanation first, then the rest.

    Each step picks the candidate whose matched share of the still-unexplained records
    gains most log-likelihood over the population (``k * log(|U|/|S|)``: the size
    principle), if that overlap is larger than chance and large enough to report.
    """
    n = member.shape[0]
    remaining = np.ones(n, dtype=bool)
    chosen: list[int] = []
    while True:
        best, best_score = -1, 0.0
        for i in candidates:
            if i in chosen:
                continue
            k = int((member[:, i] & remaining).sum())
            gain = math.log(max(population / sizes[i], 1.0 + 1e-9))
            score = k * gain
            if score > best_score:
                best, best_score = i, score
        if best < 0:
            break
        k = int((member[:, best] & remaining).sum())
        rem = int(remaining.sum())
        chance = min(sizes[best] / population, 1.0)
        if (k < settings.min_component_records or k < settings.min_component_share * n
                or stats.binom_sf(k, rem, chance) > settings.chance_alpha):
            break
        chosen.append(best)
        remaining &= ~member[:, best]
        if not remaining.any():
            break
    return chosen


def _em_shares(member: np.ndarray, comps: list[int], sizes: np.ndarray, population: int,
               settings: Settings) -> tuple[np.ndarray, float]:
    """Refine the components' shares by EM over the records' membership classes.

    A record from component c has probability 1/|S_c| if it is in S_c (else 0), an
    unexplained record 1/|U|. Records in several components are shared out in
    proportion to w_c/|S_c|.
    """
    w, rest, _ = _em_fit(member, comps, sizes, population, settings)
    return w, rest


def _em_fit(member: np.ndarray, comps: list[int], sizes: np.ndarray, population: int,
            settings: Settings) -> tuple[np.ndarray, float, float]:
    """EM of :func:`_em_shares`; also returns the fitted log-likelihood."""
    n = member.shape[0]
    if n == 0:
        return np.zeros(len(comps)), 1.0, 0.0
    # Collapse identical membership patterns: EM then runs over classes, not records.
    patterns, counts = _patterns(member[:, comps])
    like = np.concatenate(
        [patterns / sizes[comps][None, :], np.full((len(patterns), 1), 1.0 / population)], axis=1
    )
    w = np.full(len(comps) + 1, 1.0 / (len(comps) + 1))
    for _ in range(settings.em_iterations):
        resp = like * w[None, :]
        resp /= resp.sum(axis=1, keepdims=True)
        new = (resp * counts[:, None]).sum(axis=0) / counts.sum()
        if np.max(np.abs(new - w)) < 1e-10:
            w = new
            break
        w = new
    loglik = float((counts * np.log(like @ w)).sum())
    return w[:-1], float(w[-1]), loglik


def _patterns(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix in lexicographic order, and their counts:
    ``np.unique(rows, axis=0, return_counts=True)``, which compares rows one by one as
    records; up to 63 columns a row is a number (first column most significant)."""
    k = rows.shape[1]
    if k > 63 or rows.shape[0] == 0:
        return np.unique(rows, axis=0, return_counts=True)
    weights = np.left_shift(np.uint64(1), np.arange(k - 1, -1, -1, dtype=np.uint64))
    codes = (rows.astype(np.uint64) * weights[None, :]).sum(axis=1, dtype=np.uint64)
    _, first, counts = np.unique(codes, return_index=True, return_counts=True)
    return rows[first], counts


def _nested_components(member: np.ndarray, chosen: list[int], candidates: list[int],
                       sizes: np.ndarray, population: int, settings: Settings) -> list[int]:
    """Components gather cannot see: organisations nested in a chosen one.

    Gather removes every record a component explains, so a car dealer or an insurer
    whose customers all sit inside the licensing authority never gets a record once the
    authority is chosen. The only trace of such a component is an excess of its
    customers: more of the list is in it than a sample of the authority would hold.
    Each remaining candidate is tried in the EM of :func:`_em_shares`; the best is
    added while its likelihood-ratio test against the components so far is significant
    at ``chance_alpha`` (half a chi-square with one degree of freedom: the share is on
    the boundary under the null) and it takes at least ``min_component_share`` of the
    list and ``min_component_records`` records.
    """
    n = member.shape[0]
    chosen = list(chosen)
    if not chosen or n == 0:
        return chosen
    _, _, base = _em_fit(member, chosen, sizes, population, settings)
    while True:
        best, best_gain, best_ll = -1, 0.0, base
        for i in candidates:
            if i in chosen or not member[:, i].any():
                continue
            w, _, ll = _em_fit(member, [*chosen, i], sizes, population, settings)
            share = float(w[-1])
            if share < settings.min_component_share or share * n < settings.min_component_records:
                continue
            if ll - base > best_gain:
                best, best_gain, best_ll = i, ll - base, ll
        if best < 0 or 0.5 * stats.chi2_sf(2.0 * best_gain, 1) > settings.chance_alpha:
            return chosen
        chosen.append(best)
        base = best_ll


def _version_llr(o: _Observation, settings: Settings) -> float:
    """Log-likelihood ratio of the field checks: this snapshot's copy vs a copy from elsewhere."""
    total = 0.0
    for fld, (n, k) in _field_counts(o).items():
        noise, cross, _, _ = settings.field_rates[fld]
        total += stats.binom_loglik(k, n, 1 - noise) - stats.binom_loglik(k, n, cross)
    return total


def _field_counts(o: _Observation) -> dict[str, list[int]]:
    """Per field: [checks, agreements] of one candidate's field checks."""
    codes = o.field_keys % 16
    out = {}
    for name, code in _FIELD_CODES.items():
        sel = codes == code
        if sel.any():
            out[name] = [int(sel.sum()), int(o.field_hits[sel].sum())]
    return out


def _agreement(o: _Observation) -> float:
    return float(o.field_hits.mean()) if o.field_hits.size else float("nan")


@dataclass
class _Profile:
    """How a candidate snapshot's list and the case's other organisations co-occur.

    Measured on one anchor type ``token_type`` (the leak's type with most tokens in the
    candidate S), over the *dims*: every other organisation X holding that type (its
    largest snapshot).

    * ``q`` (per dim): of the leak's tokens found in S (``m`` of them), the share also
      in X; ``r``: the same share over all of S's tokens (``s_n``). A list drawn from S
      is a sample of S, so q ~ r.
    * per other organisation O (its largest snapshot): the containment ``c_others[O]``
      of O's list in S, and ``kq[O]`` (per dim) the share of O's tokens in S that are
      also in X, from ``kn[O]`` tokens (nan where unknown: O is X itself, O lacks the
      type, or O and S share under 20 tokens).
    """

    c_others: np.ndarray
    token_type: str | None = None
    q: np.ndarray = field(default_factory=lambda: np.zeros(0))
    m: int = 0
    r: np.ndarray = field(default_factory=lambda: np.zeros(0))
    s_n: int = 0
    kq: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    kn: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _largest_per_org(sources: list[Sketch], orgs: list[str]) -> dict[str, Sketch]:
    largest: dict[str, Sketch] = {}
    for sk, org in zip(sources, orgs, strict=True):
        if org not in largest or sk.persons > largest[org].persons:
            largest[org] = sk
    return largest


def _leak_anchor_tokens(recs: pl.DataFrame) -> dict[str, np.ndarray]:
    """The distinct anchor tokens of the leak's (observed) records, per type."""
    return {t: distinct(part["token"].to_numpy())
            for (t,), part in recs.partition_by("type", as_dict=True).items() if t in ANCHORS}


def _profiles(recs: pl.DataFrame, sources: list[Sketch], orgs: list[str],
              exact: bool) -> list[_Profile]:
    """The co-occurrence profile (:class:`_Profile`) of every candidate snapshot."""
    largest = _largest_per_org(sources, orgs)
    leak_tokens = _leak_anchor_tokens(recs)
    return [_profile(leak_tokens, src, orgs[i], largest, exact)
            for i, src in enumerate(sources)]


def _profile(leak_tokens: dict[str, np.ndarray], src: Sketch, own: str,
             largest: dict[str, Sketch], exact: bool, exclude: tuple[Sketch, ...] = (),
             min_tokens: int = 20) -> _Profile:
    """The co-occurrence profile of one candidate snapshot ``src`` of organisation ``own``.

    ``exclude``: other mixture components' snapshots. Their organisations drop out, and
    every list (the candidate's, the other organisations') is restricted to persons
    the excluded snapshots do not hold: the part of the list they leave unexplained
    is then tested against the part of the candidate they do not cover.
    """
    skip = {sk.meta.get("org") for sk in exclude}
    others = [o for o in sorted(largest) if o != own and o not in skip]
    # The leak's anchor type with most tokens in S carries the profile.
    best_t, best_hits = None, np.zeros(0, dtype=np.uint64)
    for t in sorted(leak_tokens):
        if not src.holds(t):
            continue
        toks = leak_tokens[t]
        hits = toks[sorted_member(toks, src.tokens(t, exact=exact))]
        if hits.size > best_hits.size:
            best_t, best_hits = t, hits
    if best_t is None:
        return _Profile(np.array([_contained(largest[o], src) for o in others]))
    drop = _union([sk.tokens(best_t, exact=exact) for sk in exclude if sk.holds(best_t)])

    def kept(tokens: np.ndarray) -> np.ndarray:
        return tokens[~_in_sorted(tokens, drop)] if drop.size else tokens

    s_tok = kept(src.tokens(best_t, exact=exact))
    best_hits = kept(best_hits)
    x_tok = {o: kept(largest[o].tokens(best_t, exact=exact)) for o in others
             if largest[o].holds(best_t)}
    dims = [o for o in others if o in x_tok and x_tok[o].size >= min_tokens]
    if s_tok.size < min_tokens or not dims:
        return _Profile(np.array([_contained(largest[o], src) for o in others]))
    # S's tokens in each X: the candidate's own profile and, per other organisation O
    # (itself one of the dims), how O's part of S co-occurs with the others.
    member = np.stack([sorted_member(s_tok, x_tok[x]) for x in dims], axis=1).astype(np.float64)
    both = member.T @ member  # |S ∩ X ∩ Y| per pair of dims
    r = member.mean(axis=0)
    q = (np.array([sorted_member(best_hits, x_tok[x]).mean() for x in dims])
         if best_hits.size else np.zeros(len(dims)))
    c_others = np.zeros(len(others))
    kq = np.full((len(others), len(dims)), np.nan)
    kn = np.zeros(len(others))
    for k, o in enumerate(others):
        if o not in dims:
            c_others[k] = _contained(largest[o], src)
            continue
        j = dims.index(o)
        kn[k] = both[j, j]
        c_others[k] = both[j, j] / x_tok[o].size
        if kn[k] >= min_tokens:
            kq[k] = both[j] / both[j, j]
            kq[k, j] = np.nan  # how an organisation like O overlaps O itself is unknown
    return _Profile(c_others, best_t, q, int(best_hits.size), r, int(s_tok.size), kq, kn)


def _contained(inner: Sketch, outer: Sketch) -> float:
    """Share of ``inner``'s anchors found in ``outer`` (best shared anchor type)."""
    exact = inner.exact is not None and outer.exact is not None
    best = 0.0
    for t in ANCHORS:
        if not (inner.holds(t) and outer.holds(t)):
            continue
        a = inner.tokens(t, exact=exact)
        if a.size < 20:
            continue
        best = max(best, float(sorted_member(a, outer.tokens(t, exact=exact)).mean()))
    return best


def _log_norm(x: np.ndarray | float, mean: np.ndarray | float,
              sd: np.ndarray | float) -> np.ndarray:
    x, mean, sd = np.asarray(x, float), np.asarray(mean, float), np.asarray(sd, float)
    return np.asarray(-0.5 * ((x - mean) / sd) ** 2 - np.log(sd * math.sqrt(2 * math.pi)))


def _binom_sd(p: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    p, n = np.asarray(p, float), np.asarray(n, float)
    return np.asarray(np.sqrt(np.clip(p * (1 - p), 0, None) / np.maximum(n, 1)))


def _containment_log_lr(n: int, m: int, profile: _Profile | list[float],
                        settings: Settings, min_records: int = 20) -> float:
    """Log-likelihood ratio of the containment profile: from this source vs from outside.

    The containment c of the leak in the candidate S, and per other organisation X the
    share q_X of the leak's records in S that are also in X (see :class:`_Profile`):

    * from S, c is uniform in [1 - max_padding, 1] (padding) and the leak's part in S
      is a sample of S, so q_X is near S's own share r_X;
    * from an outside organisation, with equal weight: c follows the Beta prior
      ``outside_overlap_prior`` and the q_X are as from S (its customers in S are
      unrelated to X); or the profile is that of one of the case's *other*
      organisations O: c near O's containment in S, q_X near the share of O's
      customers in S that are in X (q_O itself unknown: uniform).

    Normal kernels of width ``overlap_bandwidth``, widened by the sampling errors. So a
    list entirely inside the licensing authority that overlaps the insurers only as
    much as the authority's whole list does is evidence for the authority; one that
    overlaps them as an insurer's list does is evidence for an organisation like an
    insurer, possibly one outside the case. Capped at ``containment_llr_cap``.
    """
    if n < min_records:
        return 0.0
    if not isinstance(profile, _Profile):
        profile = _Profile(np.asarray(profile, dtype=float))
    c = m / n
    bw = settings.overlap_bandwidth
    log_in = (-math.log(settings.max_padding) if c >= 1.0 - settings.max_padding
              else math.log(1e-3))
    a, b = settings.outside_overlap_prior
    width_c = math.hypot(bw, float(_binom_sd(c, n)))
    log_beta = float(stats.beta_logpdf(c, a, b))
    k = len(profile.c_others)
    kernels = _log_norm(c, profile.c_others, width_c) if k else np.zeros(0)
    log_q_in = 0.0
    if profile.m >= min_records and profile.q.size:
        sd_q = _binom_sd(profile.q, profile.m)
        log_q_in = float(_log_norm(profile.q, profile.r,
                                   np.hypot(bw, np.hypot(sd_q, _binom_sd(profile.r,
                                                                         profile.s_n)))).sum())
        width = np.hypot(bw, np.hypot(sd_q[None, :],
                                      _binom_sd(profile.kq, profile.kn[:, None])))
        dens = _log_norm(profile.q[None, :], profile.kq, width)
        kernels = kernels + np.where(np.isnan(profile.kq), 0.0, dens).sum(axis=1)
    terms = np.append(kernels, log_beta + log_q_in)
    top = float(np.max(terms))
    log_out = (top + math.log(float(np.exp(terms - top).sum())) - math.log(k + 1)
               if np.isfinite(top) else -math.inf)
    llr = log_in + log_q_in - log_out if np.isfinite(log_out) else math.inf
    cap = settings.containment_llr_cap
    return max(-cap, min(cap, llr))


def _restrict(o: _Observation, keep: np.ndarray) -> _Observation:
    """The same observation with only the field checks of records in ``keep``."""
    sel = keep[o.field_rows]
    weak_k = o.weak_k * keep if o.weak_k is not None else None
    weak_w = o.weak_w * keep if o.weak_w is not None else None
    nd = o.neardup & keep if o.neardup is not None else None
    return _Observation(o.checkable & keep, o.matched & keep, o.field_rows[sel],
                        o.field_hits[sel], o.field_keys[sel], weak_k, weak_w, nd)


def _component_source_in_case(obs: list[_Observation], orgs: list[str], member: np.ndarray,
                              comps: list[int], sources: list[Sketch], recs: pl.DataFrame,
                              rec_index: np.ndarray, exact: bool,
                              settings: Settings) -> list[float]:
    """Open-world test of each mixture component on the part of the list it explains.

    Records a component shares with another component may carry the other's copy;
    they are left out of its field checks, and the other components are not counted
    as organisations it must be told from. The records no other component explains
    are tested like a whole list (containment and co-occurrence profile, see
    :func:`_containment_log_lr`) against the part of the candidate the other
    components do not hold. A component nested in another (every record it explains
    is also another's) has no such part: only its field checks speak for it.

    A component j nested in component i (at least half of j's list is in i) explains
    records away for i's test only once j has passed its own test
    (``component_threshold``): a list from an insurer outside the case, split by gather
    into "insurer_a's customers" and "the rest of the authority", must not leave the
    authority a residue that looks like a sample of it when insurer_a's part is not
    shown to be insurer_a's. The test is repeated until no nested component fails anew.
    """
    largest = _largest_per_org(sources, orgs)
    rows = recs["row"].to_numpy()
    nested = {(i, j): _contained(sources[j], sources[i]) >= 1.0 - settings.max_padding
              for i in comps for j in comps if i != j}
    confirmed = set(comps)
    out: list[float] = []
    for _ in range(len(comps) + 1):
        out = []
        for i in comps:
            others = [j for j in comps if j != i and (j in confirmed or not nested[i, j])]
            rest = ~member[:, others].any(axis=1) if others else np.ones(member.shape[0], bool)
            keep = member[:, i] & rest
            sub = [_restrict(o, keep) for o in obs]
            rivals = [k for k in range(len(obs)) if k == i or k not in others]
            sides = _sides([sub[k] for k in rivals], [orgs[k] for k in rivals], settings)
            n = int((obs[i].checkable & rest).sum())
            m = int((obs[i].matched & rest).sum())
            part = recs.filter(pl.Series(rest[rec_index[rows]])) if rows.size else recs
            profile = _profile(_leak_anchor_tokens(part), sources[i], orgs[i], largest, exact,
                               exclude=tuple(sources[j] for j in others))
            out.append(_source_in_case(sub[i], sides[rivals.index(i)], profile, settings,
                                       containment=(n, m)))
        passing = {i for i, p in zip(comps, out, strict=True)
                   if p >= settings.component_threshold}
        if confirmed <= passing:
            break
        confirmed &= passing
    return out


def _sides(obs: list[_Observation], orgs: list[str],
           settings: Settings | None = None) -> list[tuple[int, int]]:
    """Per candidate: (checks siding with it, checks siding against it).

    A field check of a leak record sides with candidate i when i's copy agrees with the
    leak and another organisation's copy of the same person disagrees; it sides
    against i when i's copy disagrees and another organisation's agrees. Where copies
    differ, a list follows the copy it was taken from.

    Fields that organisations hold identically unless one of them garbles them (names,
    plates, e-mails: ``agree_out`` 1 in ``field_rates``) only side *against* a
    candidate: where a courier writes "Mr Wang" and the candidate the full name, any
    list with the full name — from anywhere — agrees with the candidate.
    """
    settings = settings or Settings()
    weak = np.array([_FIELD_CODES[f] for f, r in settings.field_rates.items()
                     if f in _FIELD_CODES and r[3] >= 1.0], dtype=np.int64)
    agree = [distinct(o.field_keys[o.field_hits]) for o in obs]
    disagree = [distinct(o.field_keys[~o.field_hits]) for o in obs]
    names = sorted(set(orgs))
    org_agree = {n: _union([agree[i] for i in range(len(obs)) if orgs[i] == n]) for n in names}
    org_dis = {n: _union([disagree[i] for i in range(len(obs)) if orgs[i] == n]) for n in names}
    # How many organisations agree / disagree on each check: others = all minus own.
    agree_keys, agree_n = np.unique(_union_all(org_agree.values()), return_counts=True)
    dis_keys, dis_n = np.unique(_union_all(org_dis.values()), return_counts=True)
    out = []
    for i in range(len(obs)):
        own = orgs[i]
        others_dis = _count_of(agree[i], dis_keys, dis_n) - _in_sorted(agree[i], org_dis[own])
        others_dis[np.isin(agree[i] % 16, weak)] = 0
        others_agree = (_count_of(disagree[i], agree_keys, agree_n)
                        - _in_sorted(disagree[i], org_agree[own]))
        out.append((int((others_dis > 0).sum()), int((others_agree > 0).sum())))
    return out


def _union(arrays: list[np.ndarray]) -> np.ndarray:
    return distinct(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)


def _union_all(arrays: Any) -> np.ndarray:
    """Concatenation (with repeats: one copy per organisation) of per-org key sets."""
    parts = list(arrays)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _count_of(keys: np.ndarray, sorted_keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Counts of ``keys`` in a (sorted_keys, counts) table; 0 where absent."""
    if sorted_keys.size == 0 or keys.size == 0:
        return np.zeros(keys.shape, dtype=np.int64)
    idx = np.searchsorted(sorted_keys, keys)
    idx[idx == sorted_keys.size] = 0
    return np.where(sorted_keys[idx] == keys, counts[idx], 0)


def _source_in_case(o: _Observation, sides: tuple[int, int], profile: _Profile | list[float],
                    settings: Settings, containment: tuple[int, int] | None = None) -> float:
    """Posterior that the leak carries this snapshot's copies (not another org's).

    Evidence, each a generalised likelihood ratio, with prior ``prior_outside``:

    * per field, agreement >= agree_in (this organisation's copy) against agreement
      <= agree_out (another organisation's copy);
    * where this candidate's and other organisations' copies differ, the share of
      checks siding with this candidate: >= side_in against <= side_out;
    * the containment (see :func:`_containment_log_lr`).

    Without either kind of evidence the prior stands: a list can then not be told
    from one taken from an unseen organisation holding the same people.
    """
    log_odds = math.log((1.0 - settings.prior_outside) / settings.prior_outside)
    n, m = containment or (int(o.checkable.sum()), int(o.matched.sum()))
    log_odds += _containment_log_lr(n, m, profile, settings)
    for fld, (c_n, c_k) in _field_counts(o).items():
        _, _, agree_in, agree_out = settings.field_rates[fld]
        log_odds += (stats.bounded_binom_max(c_k, c_n, agree_in, 1.0)
                     - stats.bounded_binom_max(c_k, c_n, 0.0, agree_out))
    with_i, against_i = sides
    n = with_i + against_i
    log_odds += (stats.bounded_binom_max(with_i, n, settings.side_in, 1.0)
                 - stats.bounded_binom_max(with_i, n, 0.0, settings.side_out))
    return 1.0 / (1.0 + math.exp(-max(min(log_odds, 700.0), -700.0)))


def _exclusive_versions(obs: list[_Observation], orgs: list[str]) -> np.ndarray:
    """Per snapshot: agreeing field checks that agree with no other organisation's data."""
    out = np.zeros(len(obs), dtype=np.int64)
    if not obs:
        return out
    agree = [distinct(o.field_keys[o.field_hits]) for o in obs]
    names = sorted(set(orgs))
    org_agree = {n: _union([agree[i] for i in range(len(obs)) if orgs[i] == n]) for n in names}
    keys, counts = np.unique(_union_all(org_agree.values()), return_counts=True)
    for i in range(len(obs)):
        # Own organisation agrees on each of these keys: exclusive iff the count is 1.
        out[i] = int((_count_of(agree[i], keys, counts) == 1).sum())
    return out


def _guilt_baseline(member: np.ndarray, p: float = 0.5) -> np.ndarray:
    """Papadimitriou & Garcia-Molina's guilt probability per candidate (a baseline).

    Pr{G_i} = 1 - prod over leaked records t held by i of (1 - (1-p)/|V_t|), with V_t
    the candidates holding t and p the chance the record was obtained elsewhere.
    """
    if member.size == 0:
        return np.zeros(member.shape[1])
    holders = member.sum(axis=1)
    with np.errstate(divide="ignore"):
        term = np.where(holders > 0, np.log1p(-(1 - p) / np.maximum(holders, 1)), 0.0)
    log_not = (member * term[:, None]).sum(axis=0)
    return np.asarray(1.0 - np.exp(log_not))


def _window(top: int, orgs: list[str], snaps: list[str], logliks: np.ndarray,
            settings: Settings) -> tuple[tuple[str, str] | None, list[dict[str, Any]]]:
    """Snapshots of the leading organisation consistent with the leak."""
    if top < 0:
        return None, []
    org = orgs[top]
    idx = sorted((i for i in range(len(orgs)) if orgs[i] == org), key=lambda i: snaps[i])
    best = max(logliks[i] for i in idx)
    if not np.isfinite(best):
        # No snapshot of the organisation sees the list's identifiers: no window.
        return None, []
    rows: list[dict[str, Any]] = [
        {"snapshot": snaps[i], "loglik_ratio": float(logliks[i] - best),
         "consistent": bool(logliks[i] >= best - settings.window_llr)} for i in idx]
    consistent = [snaps[i] for i in idx if logliks[i] >= best - settings.window_llr]
    return (min(consistent), max(consistent)), rows


def _verdict(top: int, orgs: list[str], probability: np.ndarray,
             candidates: list[CandidateResult], components: list[Component],
             window: tuple[str, str] | None, settings: Settings,
             outside_probability: float) -> Verdict:
    if top < 0:
        return Verdict("inconclusive", None, None, 0.0, "the case has no source snapshots")
    org = orgs[top]
    conf = float(sum(p for p, o in zip(probability, orgs, strict=True) if o == org))
    solid = [c for c in components if c.fraction >= settings.min_component_share
             and c.source_in_case >= settings.component_threshold]
    if len(solid) >= 2 and len({c.org for c in solid}) >= 2:
        lead = max(solid, key=lambda c: c.fraction)
        mix_conf = float(min(c.source_in_case for c in solid))
        return Verdict("mixture", lead.org, None, mix_conf,
                       f"{len(solid)} organisations each explain a distinct part of the list")
    if not components:
        return Verdict("inconclusive", None, None, conf,
                       "no candidate explains the list better than chance")
    if conf < settings.attribute_threshold:
        reason = (f"the list does not carry any candidate's own copies of its records "
                  f"(probability that the source is outside the case "
                  f"{outside_probability:.2f})")
        return Verdict("inconclusive", None, None, conf, reason)
    if components[0].org != org:
        return Verdict("inconclusive", None, None, conf,
                       f"{org} and {components[0].org} explain the list in conflicting ways")
    if candidates[top].containment_ci[0] < settings.min_containment:
        return Verdict("inconclusive", None, None, conf,
                       f"the best candidate ({org}) contains too little of the list")
    share = components[0].fraction
    reason = f"{org} explains an estimated {share:.0%} of the list's records"
    if share < 0.95:
        # Said outright: the rest may be padding, or taken from another source.
        reason += (f"; the other {1 - share:.0%} are not explained by {org} (padding, or "
                   "records from another source, in the case or not)")
    return Verdict("attributed", org, window, conf, reason)


def _evidence(member: np.ndarray, observed: np.ndarray, orgs: list[str], org_names: list[str],
              only_one: np.ndarray, verdict: Verdict, limit: int = 20) -> list[dict[str, Any]]:
    """Leak rows found in exactly one organisation's data (row numbers, no values)."""
    if verdict.org is None or member.size == 0:
        return []
    cols = [k for k, o in enumerate(orgs) if o == verdict.org]
    hits = np.flatnonzero(member[:, cols].any(axis=1) & only_one)
    rows = observed[hits[:limit]]
    return [{"record": int(r) + 1, "org": verdict.org} for r in rows]

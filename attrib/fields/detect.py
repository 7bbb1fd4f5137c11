"""Decide what each column of a list holds: content first, header second.

For every column a sample of up to ``SAMPLE_SIZE`` non-missing values is scored against
every kind; a score is the share of sampled values that look like that kind:

* phone: valid CN mobiles/landlines (or ``+``-prefixed foreign numbers) plus masked;
* national_id: valid plus masked plus IDs of the right shape and birth date whose check
  digit is wrong — a fabricated list is still a list of IDs;
* birth_date: dates with a plausible birth year (1920–2015); Excel serial numbers
  count half (a column of plain integers must not pass on content alone); halved again
  when the header names another kind of date (``投保日期``, ``created_at``);
* email, plate: valid plus masked;
* name: 2–4 Han characters starting with a common surname (or a compound surname), or
  masked such names (``张*``); 2–4 Latin words count fully when one word is a
  surname's pinyin, half otherwise;
* address: at least 6 characters with an administrative or street marker
  (省市区县镇乡路街号村栋室).

A kind scoring ≥ ``CONTENT_WINS`` wins; among kinds within ``TIE_MARGIN`` of the best,
the header's kind is preferred. Otherwise the header's kind is taken when its content
score is ≥ ``HEADER_FLOOR`` or the column is mostly empty; else the column is "other".
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import polars as pl

from attrib.errors import UsageError
from attrib.fields._common import MASKED, VALID, as_string_series, clean_series, is_missing
from attrib.fields.dates import normalise_date
from attrib.fields.email import normalise_email
from attrib.fields.headers import header_hint, is_other_date_header
from attrib.fields.model import KINDS, OTHER, ColumnKind
from attrib.fields.names import normalise_name, romanise
from attrib.fields.national_id import normalise_national_id
from attrib.fields.phone import phone_frame
from attrib.fields.plate import normalise_plate
from attrib.fields.surnames import COMPOUND_SURNAMES, SURNAMES

SAMPLE_SIZE = 2000
CONTENT_WINS = 0.6
HEADER_FLOOR = 0.3
TIE_MARGIN = 0.05
# A column with at most this share of values is "mostly empty": its header decides.
MOSTLY_EMPTY = 0.1
BIRTH_YEARS = (1920, 2015)
_ADDRESS_MARKERS = r"[省市区县镇乡路街号村栋室]"
# Romanisations of common surnames that pinyin does not produce (Hong Kong, Taiwan).
_OTHER_ROMANISATIONS = (
    "wong chan lee cheung leung lau ng ho tsang chow lam yeung tse kwok chiu fung yip hui "
    "kwan cheng tsai hsu chang chen hsieh kuo lu yu"
).split()


@dataclasses.dataclass(frozen=True)
class _Score:
    score: float
    valid_share: float
    masked_share: float


def detect_columns(
    df: pl.DataFrame, overrides: Mapping[str, str] | None = None
) -> list[ColumnKind]:
    """Detect the kind of every column of ``df``.

    Args:
        df: The list as read (all ``pl.String`` columns; ``col1..colN`` if headerless).
        overrides: Column name → kind (one of ``KINDS`` or ``"other"``) decided by the
            user; these columns are not inspected and get confidence 1.0.

    Returns:
        One :class:`ColumnKind` per column, in column order; per kind the column with
        the highest confidence is marked primary (on ties the one with more values,
        then the first).

    Raises:
        UsageError: An override names a column not in ``df`` or an unknown kind.
    """
    overrides = _checked_overrides(df, overrides or {})
    inspected = [c for c in df.columns if c not in overrides]
    samples = {c: _sample(df[c]) for c in inspected}
    # Every column's sample is scored in one pass per kind: a normaliser's cost on a few
    # thousand values is mostly per call, and this runs before the first batch can be
    # sketched, on every file's critical path.
    scores = _column_scores({c: sample for c, (sample, _) in samples.items()})
    decisions = [
        ColumnKind(column, overrides[column], 1.0, "map",
                   detail={"header_hint": header_hint(column)})
        if column in overrides
        else _decide(column, samples[column][0].len(), samples[column][1], scores[column])
        for column in df.columns
    ]
    return _mark_primaries(decisions)


def detect_column(column: str, values: pl.Series) -> ColumnKind:
    """Detect the kind of one column.

    Args:
        column: The column's header (``col3`` for headerless files).
        values: The column's values.

    Returns:
        The decision, not yet marked primary (that needs the other columns).
    """
    sample, present_share = _sample(values)
    return _decide(column, sample.len(), present_share, _column_scores({column: sample})[column])


def _decide(column: str, sampled: int, present_share: float,
            scores: dict[str, _Score]) -> ColumnKind:
    """The decision for one column from its content scores (see the module docstring)."""
    hint = header_hint(column)
    if is_other_date_header(column):
        b = scores["birth_date"]
        scores["birth_date"] = _Score(b.score * 0.5, b.valid_share, b.masked_share)
    best = max(KINDS, key=lambda k: scores[k].score)
    top = scores[best].score
    strong = [
        k for k in KINDS if scores[k].score >= CONTENT_WINS and scores[k].score >= top - TIE_MARGIN
    ]
    if strong:
        kind = hint if hint in strong else best
        confidence = 0.85 * scores[kind].score + (0.15 if hint == kind else 0.0)
        source = "content"
    elif hint and (
        _header_support(scores[hint], hint) >= HEADER_FLOOR or present_share <= MOSTLY_EMPTY
    ):
        kind, source = hint, "header"
        confidence = 0.3 + 0.5 * _header_support(scores[hint], hint)
    else:
        kind, source = OTHER, "content"
        confidence = 1.0 - top
    shown = scores[kind if kind != OTHER else best]
    detail: dict[str, Any] = {
        "header_hint": hint,
        "present_share": round(present_share, 4),
        "sampled": sampled,
        "valid_share": round(shown.valid_share, 4),
        "masked_share": round(shown.masked_share, 4),
        "scores": {k: round(scores[k].score, 4) for k in KINDS},
    }
    return ColumnKind(column, kind, round(min(1.0, max(0.0, confidence)), 4), source, False, detail)


def _header_support(score: _Score, kind: str) -> float:
    """How far the content backs a header: any real date backs a birth-date header."""
    # Birth years outside 1920-2015 (a list of children) are still birth dates when the
    # header says so; plausibility only guards detection by content alone.
    return max(score.score, score.valid_share) if kind == "birth_date" else score.score


def _checked_overrides(df: pl.DataFrame, overrides: Mapping[str, str]) -> dict[str, str]:
    """Overrides after checking every column exists and every kind is known."""
    for column, kind in overrides.items():
        if column not in df.columns:
            raise UsageError(
                f"column {column!r} in the column mapping is not in the table; "
                f"check its spelling against the header (headerless files use col1..colN)"
            )
        if kind not in KINDS and kind != OTHER:
            raise UsageError(
                f"unknown kind {kind!r} for column {column!r}; "
                f"use one of {', '.join(KINDS)} or other"
            )
    return dict(overrides)


def _mark_primaries(decisions: list[ColumnKind]) -> list[ColumnKind]:
    """Mark, per kind, the most confident column as primary.

    Ties go to the fuller column (a half-empty "emergency contact phone" is not the
    customer's phone), then to the first.
    """

    def rank(d: ColumnKind) -> tuple[float, float]:
        return (d.confidence, d.detail.get("present_share", 1.0))

    chosen: dict[str, ColumnKind] = {}
    for d in decisions:
        if d.kind in KINDS and (d.kind not in chosen or rank(d) > rank(chosen[d.kind])):
            chosen[d.kind] = d
    primary = {id(d) for d in chosen.values()}
    return [dataclasses.replace(d, primary=id(d) in primary) for d in decisions]


def _sample(values: pl.Series) -> tuple[pl.Series, float]:
    """Up to SAMPLE_SIZE cleaned non-missing values, and the share of non-missing rows."""
    total = values.len()
    if total == 0:
        return pl.Series("t", [], dtype=pl.String), 0.0
    present = as_string_series(values).drop_nulls()
    if present.len() > 2 * SAMPLE_SIZE:
        # Sampling first keeps detection cheap on large files; the seed keeps it stable.
        present = present.sample(2 * SAMPLE_SIZE, seed=0)
    drawn = present.len()
    cleaned = clean_series(present)
    kept = pl.DataFrame(cleaned).filter(~is_missing(pl.col("t")))["t"]
    share = (present.len() / total) * (kept.len() / drawn if drawn else 0.0)
    return kept.head(SAMPLE_SIZE), share


def _column_scores(samples: dict[str, pl.Series]) -> dict[str, dict[str, _Score]]:
    """Score each column's sample against every kind.

    The samples are scored together, one call per kind on their concatenation (every
    normaliser treats each value on its own), and each share is then counted over
    each column's own rows; the kinds run side by side (polars and the compiled
    passes release the GIL).
    """
    empty = {k: _Score(0.0, 0.0, 0.0) for k in KINDS}
    filled = {c: s for c, s in samples.items() if s.len()}
    out = {c: dict(empty) for c in samples if c not in filled}
    if not filled:
        return out
    values = pl.concat([s.rename("t") for s in filled.values()], rechunk=True)
    workers = max(1, min(len(_MASKS), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        masks = dict(zip(_MASKS, pool.map(lambda f: f(values), _MASKS.values()), strict=True))
    start = 0
    for column, sample in filled.items():
        stop = start + sample.len()
        n = stop - start

        def share(kind: str, name: str, start: int = start, stop: int = stop,
                  n: int = n) -> float:
            """Share of the column's sampled values where the mask holds."""
            return int(np.count_nonzero(masks[kind][name][start:stop])) / n

        out[column] = {kind: _SCORES[kind](lambda name, k=kind: share(k, name))
                       for kind in KINDS}
        start = stop
    return out


def _bools(mask: pl.Series) -> np.ndarray:
    """A boolean mask as numpy (nulls count as false)."""
    return mask.fill_null(False).to_numpy()


def _status_masks(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    return {"valid": _bools(frame["status"] == VALID), "masked": _bools(frame["status"] == MASKED)}


def _national_id_masks(values: pl.Series) -> dict[str, np.ndarray]:
    frame = normalise_national_id(values)
    # IDs of the right shape and birth date whose check digit is wrong: a fabricated
    # list is still a list of IDs.
    return {**_status_masks(frame), "fabricated": _bools(frame["reason"] == "check_digit")}


def _birth_date_masks(values: pl.Series) -> dict[str, np.ndarray]:
    frame = normalise_date(values)
    year = frame["value"].str.slice(0, 4).cast(pl.Int32, strict=False)
    plausible = year.is_between(*BIRTH_YEARS).fill_null(False)
    excel = values.str.contains(r"^\d{5}(?:\.0+)?$").fill_null(False)
    return {"full": _bools(plausible & ~excel), "half": _bools(plausible & excel),
            "valid": _bools(frame["status"] == VALID)}


def _address_masks(values: pl.Series) -> dict[str, np.ndarray]:
    return {"looks": _bools((values.str.len_chars() >= 6) & values.str.contains(_ADDRESS_MARKERS))}


def _name_masks(values: pl.Series) -> dict[str, np.ndarray]:
    frame = normalise_name(values)
    value, status = frame["value"], frame["status"]
    # A name is written as a name: brackets, quotes or separators around Han text are a
    # list or a note (["车主", "保险"]), even when the characters left read like one.
    plain = ~values.str.contains(r"[\[\]{}()\"'<>|/,;:，；、]").fill_null(False)
    han_name = plain & value.str.contains(r"^\p{Han}{2,4}$") & (
        value.str.slice(0, 1).is_in(SURNAMES) | value.str.slice(0, 2).is_in(COMPOUND_SURNAMES)
    )
    masked_han = (status == MASKED) & values.str.slice(0, 1).is_in(SURNAMES)
    words = value.str.split(" ")
    latin = value.str.contains(r"^[a-z]+(?: [a-z]+){1,3}$").fill_null(False)
    if latin.any():  # the romanisations need pypinyin (~0.4 s to import): only for Latin names
        with_surname = latin & words.list.eval(
            pl.element().is_in(_surname_romanisations())).list.any()
    else:
        with_surname = latin
    return {"full": _bools(han_name | masked_han | with_surname),
            "half": _bools(latin & ~with_surname.fill_null(False)),
            "valid": _bools(status == VALID), "masked": _bools(status == MASKED)}


_MASKS: dict[str, Callable[[pl.Series], dict[str, np.ndarray]]] = {
    "name": _name_masks,
    "phone": lambda v: _status_masks(phone_frame(v, bare_foreign=False)),
    "national_id": _national_id_masks,
    "email": lambda v: _status_masks(normalise_email(v)),
    "birth_date": _birth_date_masks,
    "address": _address_masks,
    "plate": lambda v: _status_masks(normalise_plate(v)),
}


def _status_score(share: Callable[[str], float]) -> _Score:
    valid = share("valid")
    masked = share("masked")
    return _Score(valid + masked, valid, masked)


def _national_id_score(share: Callable[[str], float]) -> _Score:
    base = _status_score(share)
    return _Score(base.score + share("fabricated"), base.valid_share, base.masked_share)


def _birth_date_score(share: Callable[[str], float]) -> _Score:
    return _Score(share("full") + 0.5 * share("half"), share("valid"), 0.0)


def _address_score(share: Callable[[str], float]) -> _Score:
    looks = share("looks")
    return _Score(looks, looks, 0.0)


def _name_score(share: Callable[[str], float]) -> _Score:
    return _Score(share("full") + 0.5 * share("half"), share("valid"), share("masked"))


#: Per kind, its score from the shares of its masks in one column.
_SCORES: dict[str, Callable[[Callable[[str], float]], _Score]] = {
    "name": _name_score,
    "phone": _status_score,
    "national_id": _national_id_score,
    "email": _status_score,
    "birth_date": _birth_date_score,
    "address": _address_score,
    "plate": _status_score,
}


@functools.cache
def _surname_romanisations() -> list[str]:
    """Pinyin of every listed surname plus common non-pinyin spellings."""
    spellings = {romanise(s) for s in SURNAMES | COMPOUND_SURNAMES}
    return sorted(spellings | set(_OTHER_ROMANISATIONS))

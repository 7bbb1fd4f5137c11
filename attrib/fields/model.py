"""Result types of column detection and normalisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

KINDS = ("name", "phone", "national_id", "email", "birth_date", "address", "plate")
OTHER = "other"
SOURCES = ("content", "header", "map")
# Prefix of the output columns that carry an "other" input column unchanged.
ATTR_PREFIX = "attr:"


@dataclass(frozen=True)
class ColumnKind:
    """What one input column holds, and how sure the detector is.

    Attributes:
        column: Name of the input column.
        kind: One of ``KINDS`` or ``"other"``.
        confidence: In [0, 1]; for ``"other"``, the confidence that it is none of KINDS.
        source: ``"content"`` (values decided), ``"header"`` (the header decided, the
            content being inconclusive) or ``"map"`` (an explicit override).
        primary: True for the one column per kind that ``normalise`` uses.
        detail: Counts and shares behind the decision (never values), e.g.
            ``valid_share``, ``masked_share``, ``header_hint``, ``scores``.
    """

    column: str
    kind: str
    confidence: float
    source: str
    primary: bool = False
    detail: dict[str, Any] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON reports."""
        return {
            "column": self.column,
            "kind": self.kind,
            "confidence": self.confidence,
            "source": self.source,
            "primary": self.primary,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class Quality:
    """Counts that describe how clean, and how plausible, a list is.

    Attributes:
        rows: Number of records.
        duplicate_rows: Records identical, after normalisation, to an earlier record.
        kinds: Per normalised kind, the count of each status
            (``valid``, ``invalid``, ``masked``, ``missing``).
        signals: Extra evidence, each a count of records: ``bad_check_digits``
            (national IDs of the right shape whose check digit is wrong: fabrication),
            ``id_impossible_birth_dates``, ``id_bad_regions``, ``unknown_id_regions``
            (valid IDs whose province code does not exist), ``impossible_dates`` and
            ``ambiguous_dates`` (birth_date column), ``id_birth_date_mismatches``
            (birth date differs from the one in the ID). Only signals that apply to the
            kinds present are reported.
    """

    rows: int
    duplicate_rows: int
    kinds: dict[str, dict[str, int]]
    signals: dict[str, int] = field(default_factory=dict, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON reports."""
        return {
            "rows": self.rows,
            "duplicate_rows": self.duplicate_rows,
            "kinds": {kind: dict(counts) for kind, counts in self.kinds.items()},
            "signals": dict(self.signals),
        }


@dataclass(frozen=True)
class Normalised:
    """A list with its identifying fields in canonical form.

    Attributes:
        frame: ``<kind>``, ``<kind>_status`` for each kind a primary column provides,
            ``phone_masked``/``national_id_masked`` for those kinds, and every
            ``"other"`` column unchanged as ``attr:<column>``.
        quality: Counts of valid/invalid/masked/missing values and fabrication signals.
        columns: The column decisions the frame was built from.
    """

    frame: pl.DataFrame
    quality: Quality
    columns: list[ColumnKind]

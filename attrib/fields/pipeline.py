"""Turn a frame of raw strings into canonical identifying fields plus quality counts."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from attrib.errors import UsageError
from attrib.fields._common import STATUSES, VALID
from attrib.fields._fast import count_values, leading_digits
from attrib.fields.address import normalise_address
from attrib.fields.dates import normalise_date
from attrib.fields.email import normalise_email
from attrib.fields.model import ATTR_PREFIX, KINDS, OTHER, ColumnKind, Normalised, Quality
from attrib.fields.names import normalise_name
from attrib.fields.national_id import PROVINCE_CODES, normalise_national_id
from attrib.fields.phone import normalise_phone
from attrib.fields.plate import normalise_plate

NORMALISERS: dict[str, Callable[[pl.Series], pl.DataFrame]] = {
    "name": normalise_name,
    "phone": normalise_phone,
    "national_id": normalise_national_id,
    "email": normalise_email,
    "birth_date": normalise_date,
    "address": normalise_address,
    "plate": normalise_plate,
}
# Kinds whose masked form is kept: a masked phone or ID still narrows down a person.
MASKED_KINDS = ("phone", "national_id")


def normalise(df: pl.DataFrame, columns: list[ColumnKind], *,
              count_duplicates: bool = True) -> Normalised:
    """Normalise the primary column of each kind and count what was found.

    Args:
        df: The list as read (all ``pl.String`` columns).
        columns: Column decisions, normally from :func:`detect_columns`.
        count_duplicates: Count duplicate rows within ``df``. A caller that counts them
            across all the batches of a file itself passes False (``duplicate_rows`` is
            then 0).

    Returns:
        A :class:`Normalised` with the canonical frame and its :class:`Quality`.

    Raises:
        UsageError: A decision names a column that is not in ``df`` or an unknown kind.
    """
    _check_columns(df, columns)
    primaries = {c.kind: c.column for c in columns if c.primary and c.kind in KINDS}
    kinds = [kind for kind in KINDS if kind in primaries]
    # Polars releases the GIL inside its kernels, so the kinds run side by side.
    with ThreadPoolExecutor(max_workers=max(1, len(kinds))) as pool:
        futures = {k: pool.submit(NORMALISERS[k], df[primaries[k]]) for k in kinds}
        results = {k: future.result() for k, future in futures.items()}

    parts: list[pl.Series] = []
    for kind in kinds:
        result = results[kind]
        parts.append(result["value"].rename(kind))
        parts.append(result["status"].rename(f"{kind}_status"))
        if kind in MASKED_KINDS:
            parts.append(result["masked"].rename(f"{kind}_masked"))
    for c in columns:
        if c.kind == OTHER:
            parts.append(df[c.column].rename(ATTR_PREFIX + c.column))
    frame = pl.DataFrame(parts) if parts else pl.DataFrame()
    quality = Quality(
        rows=df.height,
        duplicate_rows=_duplicate_rows(frame, df.height) if count_duplicates else 0,
        kinds={k: _status_counts(results[k]["status"]) for k in kinds},
        signals=_signals(results),
    )
    return Normalised(frame=frame, quality=quality, columns=list(columns))


def _check_columns(df: pl.DataFrame, columns: list[ColumnKind]) -> None:
    """Refuse decisions that do not fit the frame (a programming or mapping error)."""
    for c in columns:
        if c.column not in df.columns:
            raise UsageError(
                f"column {c.column!r} is not in the table; "
                f"check the column mapping against the file's header"
            )
        if c.kind not in KINDS and c.kind != OTHER:
            raise UsageError(
                f"unknown kind {c.kind!r} for column {c.column!r}; "
                f"use one of {', '.join(KINDS)} or other"
            )


def _status_counts(status: pl.Series) -> dict[str, int]:
    """Count of each status, every status present (zero when absent)."""
    return dict(zip(STATUSES, count_values(status, STATUSES), strict=True))


def _duplicate_rows(frame: pl.DataFrame, rows: int) -> int:
    """Rows that repeat an earlier row of the normalised frame.

    Counted on 64-bit row hashes, 3-4x faster than comparing rows; a collision among a
    million rows has a probability of about 3e-8.
    """
    if frame.width == 0 or rows == 0:
        return 0
    return rows - frame.hash_rows(seed=0).n_unique()


# Province codes (the first two digits of an ID) as a table over 0-99, and a last
# entry, False, for "does not start with two digits".
_PROVINCES = np.zeros(101, dtype=np.bool_)
_PROVINCES[[int(code) for code in PROVINCE_CODES]] = True


def _signals(results: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Fabrication and data-quality signals beyond the plain status counts."""
    signals: dict[str, int] = {}
    ids = results.get("national_id")
    if ids is not None:
        (signals["bad_check_digits"], signals["id_impossible_birth_dates"],
         signals["id_bad_regions"]) = count_values(ids["reason"],
                                                   ("check_digit", "birth_date", "region"))
        valid = (ids["status"] == VALID).fill_null(False).to_numpy()
        known = _PROVINCES[leading_digits(ids["value"])]  # index -1: False
        signals["unknown_id_regions"] = int(np.count_nonzero(valid & ~known))
    dates = results.get("birth_date")
    if dates is not None:
        signals["impossible_dates"], signals["ambiguous_dates"] = count_values(
            dates["reason"], ("impossible", "ambiguous"))
    if ids is not None and dates is not None:
        both = ids["birth_date"].is_not_null() & dates["value"].is_not_null()
        signals["id_birth_date_mismatches"] = int(
            (both & (ids["birth_date"] != dates["value"])).sum()
        )
    return signals

"""Vectorised generators of identifiers: national IDs, mobile numbers, plates.

All functions take a numpy ``Generator`` and return polars String Series (or numpy
integer arrays). Strings of fixed width are built as byte matrices and handed to polars
as binary, which is a single C-level pass even for millions of values.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from attrib.synth import data

#: ISO 7064 MOD 11-2 weights of the first 17 digits of a Chinese resident ID.
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
#: Check character for each value of (weighted sum mod 11).
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def ascii_matrix_to_str(codes: np.ndarray) -> pl.Series:
    """Turn an (n, w) matrix of ASCII codes into a String Series of n values."""
    codes = np.ascontiguousarray(codes, dtype=np.uint8)
    width = codes.shape[1]
    return pl.Series(codes.view(f"S{width}").ravel()).cast(pl.String)


def digits_of(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) matrix of the decimal digits of non-negative integers, left-padded."""
    values = np.asarray(values, dtype=np.int64)
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (values[:, None] // powers[None, :]) % 10


def id_check_codes(first17: np.ndarray) -> np.ndarray:
    """ASCII code of the check character for an (n, 17) digit matrix."""
    return ID_CHECK[(first17 * ID_WEIGHTS).sum(axis=1) % 11]


def national_id_valid(ids) -> np.ndarray:
    """True where an 18-character ID has digits, a real calendar date and a correct check.

    Args:
        ids: iterable of strings (a list, numpy array or polars Series); nulls are invalid.

    Returns:
        Boolean numpy array. Lower-case ``x`` is accepted as the check character.
    """
    s = pl.Series(list(ids), dtype=pl.String).str.to_uppercase()
    ok = s.str.contains(r"^[0-9]{17}[0-9X]$").fill_null(False).to_numpy()
    clean = s.zip_with(pl.Series(ok), pl.Series(["0" * 18] * len(s)))
    # Every value is now 18 ASCII characters: one flat byte buffer, one row per ID.
    codes = np.frombuffer("".join(clean.to_list()).encode("ascii"), dtype=np.uint8)
    codes = codes.reshape(-1, 18)
    digits = codes[:, :17].astype(np.int64) - 48
    ok &= id_check_codes(digits) == codes[:, 17]
    # The embedded birth date must exist (impossible dates are a fabrication signal).
    ymd = (digits[:, 6:14] * 10 ** np.arange(7, -1, -1)).sum(axis=1)
    return ok & real_date(ymd // 10000, ymd // 100 % 100, ymd % 100)


def real_date(year: np.ndarray, month: np.ndarray, dom: np.ndarray) -> np.ndarray:
    """True where (year, month, day) is a calendar date."""
    month_ok = (month >= 1) & (month <= 12)
    first = (np.clip(year, 1, 9999) - 1970) * 12 + np.clip(month, 1, 12) - 1
    start = first.astype("datetime64[M]").astype("datetime64[D]")
    length = ((first + 1).astype("datetime64[M]").astype("datetime64[D]") - start).astype(int)
    return month_ok & (dom >= 1) & (dom <= length)


def make_national_ids(
    rng: np.random.Generator,
    region_codes: np.ndarray,
    birth_days: np.ndarray,
    male: np.ndarray,
) -> pl.Series:
    """Unique 18-character resident IDs with correct check digits.

    Args:
        rng: random generator.
        region_codes: six-digit region codes (int).
        birth_days: birth dates as days since 1970-01-01.
        male: gender; the 17th digit is odd for men, even for women.

    Returns:
        String Series.
    """
    n = len(region_codes)
    ymd = yyyymmdd(birth_days)
    base = region_codes.astype(np.int64) * 10**11 + ymd * 10**3
    gender = male.astype(np.int64)
    number = base + rng.integers(0, 500, n) * 2 + gender
    # Same region, birthday and sequence number is possible; redraw the later copies.
    for _ in range(50):
        dup = _later_duplicates(number)
        if not dup.any():
            break
        number[dup] = base[dup] + rng.integers(0, 500, int(dup.sum())) * 2 + gender[dup]
    first17 = digits_of(number, 17)
    codes = np.concatenate([first17 + 48, id_check_codes(first17)[:, None]], axis=1)
    return ascii_matrix_to_str(codes)


def fabricated_national_ids(
    rng: np.random.Generator, region_codes: np.ndarray, ymd: np.ndarray
) -> pl.Series:
    """IDs with a real-looking region but a wrong check character (padding rows).

    Args:
        rng: random generator.
        region_codes: six-digit region codes (int).
        ymd: integer ``YYYYMMDD`` dates to embed (may be impossible, e.g. 19900230).
    """
    n = len(region_codes)
    number = region_codes.astype(np.int64) * 10**11 + ymd * 10**3 + rng.integers(0, 1000, n)
    first17 = digits_of(number, 17)
    right = id_check_codes(first17)
    # Shift the right check character to another one of the eleven: always wrong.
    pos = np.searchsorted(np.sort(ID_CHECK), right)
    wrong = np.sort(ID_CHECK)[(pos + rng.integers(1, 11, n)) % 11]
    codes = np.concatenate([first17 + 48, wrong[:, None]], axis=1)
    return ascii_matrix_to_str(codes)


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Integer YYYYMMDD of day numbers."""
    d = np.asarray(days, dtype="datetime64[D]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = d.astype("datetime64[M]").astype(np.int64) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + m * 100 + dd


def _later_duplicates(values: np.ndarray) -> np.ndarray:
    """Mask of every occurrence of a value after its first (hash-based, O(n))."""
    s = pl.Series(values)
    return (s.is_duplicated() & ~s.is_first_distinct()).to_numpy()


def make_mobiles(rng: np.random.Generator, n: int) -> np.ndarray:
    """n unique 11-digit CN mobile numbers (int64), prefixes weighted as issued."""
    prefixes = np.array([p for p, _ in data.MOBILE_PREFIXES], dtype=np.int64)
    weights = np.array([w for _, w in data.MOBILE_PREFIXES], dtype=float)
    weights /= weights.sum()

    def draw(k: int) -> np.ndarray:
        return rng.choice(prefixes, k, p=weights) * 10**8 + rng.integers(0, 10**8, k)

    numbers = draw(n)
    for _ in range(50):
        dup = _later_duplicates(numbers)
        if not dup.any():
            break
        numbers[dup] = draw(int(dup.sum()))
    return numbers


def canonical_phone(numbers: np.ndarray) -> pl.Series:
    """E.164 digits without '+' (the normaliser's canonical phone): '86' + 11 digits."""
    return pl.Series(8600000000000 + np.asarray(numbers, dtype=np.int64)).cast(pl.String)


_PLATE_LETTERS = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ", dtype=np.uint8)


def make_plate_bodies(rng: np.random.Generator, n: int, p_new_energy: float) -> pl.Series:
    """Plate serials after the issuing letter: 5 characters, or 6 for new-energy cars.

    Ordinary serials are mostly digits with up to two letters (never I or O);
    new-energy serials are D or F followed by five digits.
    """
    body = rng.integers(48, 58, (n, 6)).astype(np.uint8)
    letter_mask = rng.random((n, 5)) < 0.12
    body[:, :5] = np.where(letter_mask, rng.choice(_PLATE_LETTERS, (n, 5)), body[:, :5])
    green = rng.random(n) < p_new_energy
    body[green, 0] = rng.choice(np.frombuffer(b"DF", dtype=np.uint8), int(green.sum()))
    body[green, 1:] = rng.integers(48, 58, (int(green.sum()), 5))
    # Ordinary plates have five characters: blank the sixth and strip it.
    body[~green, 5] = 32
    return ascii_matrix_to_str(body).str.strip_chars_end(" ")

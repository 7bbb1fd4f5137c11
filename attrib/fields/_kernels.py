"""The compiled kernels of the field normalisers (numba), one pass over Arrow bytes.

Each kernel reads a String column as Arrow offsets and UTF-8 bytes
(:func:`attrib.fields._fast.string_buffers`) and writes, per row, a status code
(``CODE_*``, or ``RESIDUE`` for a row it leaves to the general rules) and the bytes of
the values it settles, one after another. Which rows each kernel may take, and why its
output is then exactly the general rules' output, is in each kernel's docstring; the
general rules are the polars expressions of the kind's module.

All kernels live in this one module on purpose: numba's on-disk cache of a function is
invalidated only by a change to the file that defines it, and a helper or constant
from another file is baked into the cached code. Kept together, a change to anything
here recompiles every kernel that uses it.

Parsers return what they read as scalars (tuples) rather than through a scratch array,
and helpers are plain functions rather than ``inline="always"``: either way numba kept
reference counts of the arrays involved on every row, several times the work itself.
"""

from __future__ import annotations

import numba
import numpy as np

# Status codes, indexes into _fast.STATUS_TABLE. RESIDUE: for the general rules.
CODE_VALID, CODE_INVALID, CODE_MASKED, CODE_MISSING, RESIDUE = 0, 1, 2, 3, 4

# The CJK Unified Ideographs block: the only non-ASCII characters kernels accept, since
# NFKC leaves them alone (``_common._NEEDS_CLEANING``). Tables index code point - CJK_LOW.
CJK_LOW, CJK_HIGH = 0x4E00, 0x9FFF

# Byte values.
_SPACE, _PLUS, _STAR, _HYPHEN, _DOT, _AT = 0x20, 0x2B, 0x2A, 0x2D, 0x2E, 0x40
_ZERO, _ONE, _THREE, _SIX, _EIGHT, _NINE = 0x30, 0x31, 0x33, 0x36, 0x38, 0x39
_LOWER_X, _UPPER_X = 0x78, 0x58


# --- Shared helpers -------------------------------------------------------------------


@numba.njit(cache=True, nogil=True)
def is_token(
    data: np.ndarray, start: int, end: int, tok_offsets: np.ndarray, tok_data: np.ndarray
) -> bool:
    """Whether ``data[start:end]`` is exactly one of the tokens."""
    for k in range(tok_offsets.size - 1):
        a, b = tok_offsets[k], tok_offsets[k + 1]
        if b - a != end - start:
            continue
        same = True
        for j in range(b - a):
            if data[start + j] != tok_data[a + j]:
                same = False
                break
        if same:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def cjk_at(data: np.ndarray, j: int, end: int) -> int:
    """Code point of the CJK Unified Ideograph starting at ``data[j]``, else -1.

    Such an ideograph is three UTF-8 bytes with a lead byte E4-E9 (code points up to
    ``CJK_HIGH``); the input is valid UTF-8 (polars guarantees it), so the lead byte
    and the lower bound decide.
    """
    if j + 3 > end:
        return -1
    lead = data[j]
    if lead < 0xE4 or lead > 0xE9:
        return -1
    code = ((lead & 0x0F) << 12) | ((data[j + 1] & 0x3F) << 6) | (data[j + 2] & 0x3F)
    if code < CJK_LOW:
        return -1
    return code


# Days of each month in a common year (index 0 unused).
_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# 1900-01-01 as a date_key.
EARLIEST_KEY = 19000101


@numba.njit(cache=True, nogil=True)
def date_key(year: int, month: int, day: int) -> int:
    """``yyyymmdd`` as one integer: ordered as the dates are, for real dates."""
    return year * 10000 + month * 100 + day


@numba.njit(cache=True, nogil=True)
def is_real_date(year: int, month: int, day: int) -> bool:
    """Whether year-month-day is a date of the (proleptic) Gregorian calendar."""
    if month < 1 or month > 12 or day < 1:
        return False
    if day <= _MONTH_DAYS[month]:
        return True
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    return month == 2 and day == 29 and leap


@numba.njit(cache=True, nogil=True)
def write_iso(out: np.ndarray, at: int, year: int, month: int, day: int) -> None:
    """Write ``YYYY-MM-DD`` (a four-digit year) at ``out[at:at + 10]``."""
    out[at] = _ZERO + year // 1000
    out[at + 1] = _ZERO + year // 100 % 10
    out[at + 2] = _ZERO + year // 10 % 10
    out[at + 3] = _ZERO + year % 10
    out[at + 4] = _HYPHEN
    out[at + 5] = _ZERO + month // 10
    out[at + 6] = _ZERO + month % 10
    out[at + 7] = _HYPHEN
    out[at + 8] = _ZERO + day // 10
    out[at + 9] = _ZERO + day % 10


# --- Counting (attrib.fields.pipeline) -------------------------------------------------


@numba.njit(cache=True, nogil=True)
def count_views(views: np.ndarray, valid: np.ndarray, keys: np.ndarray,
                out: np.ndarray) -> None:
    """Count the rows whose Arrow string view (two 64-bit words) equals each key's.

    A value of at most 12 bytes is held whole in its view, zero padded, so equal views
    mean equal values; a longer value never equals such a key (its length differs).
    ``valid`` (empty: every row) excludes null rows, whose views mean nothing.
    """
    every = valid.size == 0
    for i in range(views.shape[0]):
        if every or valid[i]:
            a, b = views[i, 0], views[i, 1]
            for k in range(keys.shape[0]):
                if a == keys[k, 0] and b == keys[k, 1]:
                    out[k] += 1
                    break


@numba.njit(cache=True, nogil=True)
def leading_number_views(views: np.ndarray, valid: np.ndarray, out: np.ndarray) -> None:
    """Per row of (rows, 16) uint8 Arrow string views: the number its first two bytes
    make when they are ASCII digits, else -1. A view holds a value's first 4 bytes,
    zero padded when the value is shorter, so a value shorter than two digits gets -1.
    ``valid`` (empty: every row) marks null rows, which get -1 too."""
    every = valid.size == 0
    for i in range(views.shape[0]):
        a, b = np.int64(views[i, 4]) - _ZERO, np.int64(views[i, 5]) - _ZERO
        if (every or valid[i]) and 0 <= a <= 9 and 0 <= b <= 9:
            out[i] = 10 * a + b
        else:
            out[i] = -1


# --- Phone (attrib.fields.phone) -------------------------------------------------------

_SEPARATOR_BYTES = (0x20, 0x2D, 0x2E, 0x28, 0x29, 0x2F, 0x5C)  # _SEPARATORS: space - . ( ) / \\


@numba.njit(cache=True, nogil=True)
def mobile_kernel(
    offsets: np.ndarray,
    data: np.ndarray,
    null: np.ndarray,
    codes: np.ndarray,
    value_data: np.ndarray,
    mask_data: np.ndarray,
) -> None:
    """Status, value and mask of every row the CN rules settle without a regex.

    A row is settled here when it is null, blank, or printable ASCII (so NFKC and the
    invisible-character rule cannot change it) that reads as a mobile or masked
    mobile (``_MASKED_MOBILE``) once trimmed and stripped of ``_SEPARATORS``: exactly
    what ``phone._short_forms`` gives ``phone._mobile_result`` for such rows. Values
    (``86`` + body, 13 bytes) and masks (11 bytes) are written one after another;
    every other row gets RESIDUE.
    """
    compact = np.empty(16, dtype=np.uint8)
    v = 0
    m = 0
    for i in range(null.size):
        start, end = offsets[i], offsets[i + 1]
        if null[i]:
            code = CODE_MISSING
        elif end - start == 11:
            # The common case, 13812345678: no separators, no prefix, nothing to copy.
            code = _body_code(data, start)
            if code == CODE_VALID:
                v = _write_value(value_data, v, data, start)
            elif code == CODE_MASKED:
                m = _write_mask(mask_data, m, data, start)
        else:
            code = RESIDUE
        if code == RESIDUE and not null[i]:
            head = _compact(data, start, end, compact)
            if head >= 0:
                code = _body_code(compact, head)
                if code == CODE_VALID:
                    v = _write_value(value_data, v, compact, head)
                elif code == CODE_MASKED:
                    m = _write_mask(mask_data, m, compact, head)
            elif head == _BLANK:
                code = CODE_MISSING
        codes[i] = code


_BLANK, _NOT_MOBILE = -1, -2


@numba.njit(cache=True, nogil=True)
def _compact(data: np.ndarray, start: int, end: int, compact: np.ndarray) -> int:
    """Copy a row without ``_SEPARATORS`` into ``compact``; where its body starts.

    Returns the length of the ``+86``/``0086``/``86`` prefix before an 11-character
    body (the length alone tells which it must be), ``_BLANK`` for an empty or
    all-space row, and ``_NOT_MOBILE`` for anything else, including rows that are not
    printable ASCII (NFKC or the invisible-character rule might change them).
    """
    k = 0
    spaces = 0
    for j in range(start, end):
        c = data[j]
        if c < 0x20 or c > 0x7E:
            return _NOT_MOBILE
        spaces += c == _SPACE
        if c in _SEPARATOR_BYTES:
            continue
        if k == compact.size:
            return _NOT_MOBILE
        compact[k] = c
        k += 1
    if spaces == end - start:
        return _BLANK
    if k == 11:
        return 0
    if k == 13 and compact[0] == _EIGHT and compact[1] == _SIX:
        return 2
    if k == 14 and compact[0] == _PLUS and compact[1] == _EIGHT and compact[2] == _SIX:
        return 3
    if (
        k == 15
        and compact[0] == _ZERO
        and compact[1] == _ZERO
        and compact[2] == _EIGHT
        and compact[3] == _SIX
    ):
        return 4
    return _NOT_MOBILE


@numba.njit(cache=True, nogil=True)
def _body_code(text: np.ndarray, at: int) -> int:
    """Status code of the 11 bytes at ``at`` as a body: ``1[3-9*xX][0-9*xX]{9}``."""
    if text[at] != _ONE:
        return RESIDUE
    second = text[at + 1]
    second_masked = second == _STAR or second == _LOWER_X or second == _UPPER_X
    if not (_THREE <= second <= _NINE or second_masked):
        return RESIDUE
    digits = 0
    masks = 0
    for j in range(at + 2, at + 11):
        c = text[j]
        digits += (c >= _ZERO) & (c <= _NINE)
        masks += (c == _STAR) | (c == _LOWER_X) | (c == _UPPER_X)
    if digits + masks != 9:
        return RESIDUE
    return CODE_MASKED if masks or second_masked else CODE_VALID


@numba.njit(cache=True, nogil=True)
def _write_value(value_data: np.ndarray, v: int, body: np.ndarray, at: int) -> int:
    """Write ``86`` + the body at ``at``; return the new end of the value bytes."""
    value_data[v] = _EIGHT
    value_data[v + 1] = _SIX
    for j in range(11):  # a loop: slicing would allocate two array views
        value_data[v + 2 + j] = body[at + j]
    return v + 13


@numba.njit(cache=True, nogil=True)
def _write_mask(mask_data: np.ndarray, m: int, body: np.ndarray, at: int) -> int:
    """Write the body at ``at`` with every mask character as ``*``; return the new end."""
    for j in range(11):
        c = body[at + j]
        mask_data[m + j] = _STAR if c == _LOWER_X or c == _UPPER_X else c
    return m + 11


# --- National ID (attrib.fields.national_id) -------------------------------------------

# ISO 7064 MOD 11-2 (GB 11643-1999): weights of the first 17 digits, check characters.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
_CHECK_BYTES = tuple(ID_CHECK_CHARS.encode("ascii"))
# The gender and reason columns: codes written by the kernel, indexes into these tables.
GENDERS = ("M", "F", None)
_GENDER_M, _GENDER_F, _NO_GENDER = 0, 1, 2
REASONS = (None, "format", "region", "birth_date", "check_digit")
_NO_REASON, _REGION, _BIRTH_DATE, _CHECK_DIGIT = 0, 2, 3, 4


@numba.njit(cache=True, nogil=True)
def id18_kernel(
    offsets: np.ndarray,
    data: np.ndarray,
    null: np.ndarray,
    today: int,
    codes: np.ndarray,
    reasons: np.ndarray,
    genders: np.ndarray,
    born_data: np.ndarray,
) -> None:
    """Every column of the rows that are null, empty or exactly ``_ID18``.

    What ``national_id._checked`` computes, per row: the region (first digit 1-8), the birth
    date (a real date from 1900-01-01 to ``today``, a :func:`date_key`), the check
    digit, then the gender and ISO birth date of valid IDs (written one after another,
    10 bytes each). Other rows get RESIDUE.
    """
    b = 0
    for i in range(null.size):
        start, end = offsets[i], offsets[i + 1]
        code, reason, gender = RESIDUE, _NO_REASON, _NO_GENDER
        if null[i] or start == end:
            code = CODE_MISSING
        elif end - start == 18:
            # One branch-free pass checks the digits and sums the weights.
            total = 0
            bad = False
            for j in range(17):
                d = np.int64(data[start + j]) - _ZERO
                bad |= (d < 0) | (d > 9)
                total += d * ID_WEIGHTS[j]
            last = data[start + 17]
            if not bad and (_ZERO <= last <= _NINE or last == _UPPER_X):
                at = start + 6  # the birth date, yyyymmdd
                year = _pair(data[at], data[at + 1]) * 100 + _pair(data[at + 2], data[at + 3])
                month = _pair(data[at + 4], data[at + 5])
                day = _pair(data[at + 6], data[at + 7])
                reason = _id18_reason(data[start], year, month, day, today, last, total)
                code = CODE_VALID if reason == _NO_REASON else CODE_INVALID
        if code == CODE_VALID:
            # The 17th digit (odd: male); an ASCII digit has the parity of its value.
            gender = _GENDER_M if data[start + 16] % 2 == 1 else _GENDER_F
            write_iso(born_data, b, year, month, day)
            b += 10
        codes[i] = code
        reasons[i] = reason
        genders[i] = gender


@numba.njit(cache=True, nogil=True)
def _pair(tens: int, units: int) -> int:
    """The number written by two ASCII digits."""
    return (np.int64(tens) - _ZERO) * 10 + np.int64(units) - _ZERO


@numba.njit(cache=True, nogil=True)
def _id18_reason(
    first: int, year: int, month: int, day: int, today: int, last: int, total: int
) -> int:
    """Reason code of an ``_ID18`` value, checked in ``national_id._checked``'s order.

    ``first`` and ``last`` are its first and last bytes, ``total`` the weighted sum of
    its first 17 digits; ``_NO_REASON`` when it is valid.
    """
    if first < _ONE or first > _EIGHT:
        return _REGION
    if not is_real_date(year, month, day) or not (
        EARLIEST_KEY <= date_key(year, month, day) <= today
    ):
        return _BIRTH_DATE
    if last != _CHECK_BYTES[total % 11]:
        return _CHECK_DIGIT
    return _NO_REASON


# --- Dates (attrib.fields.dates) -------------------------------------------------------

# UTF-8 bytes of 年, 月 and 日, the marks _YEAR_FIRST accepts besides - / and .
_NIAN, _YUE, _RI = (tuple("年月日"[k].encode("utf-8")) for k in range(3))
_DATE_SEPARATORS = (0x2D, 0x2F, 0x2E)  # - / .


@numba.njit(cache=True, nogil=True)
def year_first_kernel(
    offsets: np.ndarray,
    data: np.ndarray,
    null: np.ndarray,
    today: int,
    codes: np.ndarray,
    value_data: np.ndarray,
) -> None:
    """Status and ISO value of null, empty, ``_COMPACT`` and ``_YEAR_FIRST`` rows.

    Only ASCII digits, the separators ``- / .`` and 年月日 are accepted: text that NFKC,
    trimming and the time-part and whitespace rules leave alone, and that no other
    shape of ``dates._iso_candidate`` reads. A real date from 1900-01-01 to ``today``
    (a :func:`date_key`) is valid; any other is invalid, reason ``impossible``, as in
    ``dates._rules``; values are written one after another, 10 bytes each. Other rows
    get RESIDUE.
    """
    v = 0
    for i in range(null.size):
        start, end = offsets[i], offsets[i + 1]
        found, year, month, day = _read_year_first(data, start, end)
        if null[i] or start == end:
            code = CODE_MISSING
        elif not found:
            code = RESIDUE
        elif is_real_date(year, month, day) and (
            EARLIEST_KEY <= date_key(year, month, day) <= today
        ):
            code = CODE_VALID
            write_iso(value_data, v, year, month, day)
            v += 10
        else:
            code = CODE_INVALID
        codes[i] = code


# One function returning scalars: a helper call per field, the array passed along each
# time, cost more than the parsing itself.
@numba.njit(cache=True, nogil=True)
def _read_year_first(data: np.ndarray, start: int, end: int) -> tuple[bool, int, int, int]:
    """``_COMPACT`` or ``_YEAR_FIRST`` in ASCII digits: (found, year, month, day)."""
    if end - start < 6:
        return False, 0, 0, 0
    year = 0
    for j in range(start, start + 4):
        if not _ZERO <= data[j] <= _NINE:
            return False, 0, 0, 0
        year = year * 10 + data[j] - _ZERO
    if end - start == 8:
        for j in range(start + 4, end):
            if not _ZERO <= data[j] <= _NINE:
                return False, 0, 0, 0
        month = (data[start + 4] - _ZERO) * 10 + data[start + 5] - _ZERO
        day = (data[start + 6] - _ZERO) * 10 + data[start + 7] - _ZERO
        return True, year, month, day
    # Year first: (separator, one or two digits) for the month, then for the day.
    j = start + 4
    month = day = 0
    for field in range(2):
        mark = _NIAN if field == 0 else _YUE
        if j < end and data[j] in _DATE_SEPARATORS:
            j += 1
        elif (
            j + 3 <= end
            and data[j] == mark[0]
            and data[j + 1] == mark[1]
            and data[j + 2] == mark[2]
        ):
            j += 3
        else:
            return False, 0, 0, 0
        if j >= end or not _ZERO <= data[j] <= _NINE:
            return False, 0, 0, 0
        number = data[j] - _ZERO
        j += 1
        if j < end and _ZERO <= data[j] <= _NINE:
            number = number * 10 + data[j] - _ZERO
            j += 1
        if field == 0:
            month = number
        else:
            day = number
    if j + 3 == end and data[j] == _RI[0] and data[j + 1] == _RI[1] and data[j + 2] == _RI[2]:
        j = end
    return j == end, year, month, day


# --- Names (attrib.fields.names) -------------------------------------------------------

# Lengths of a valid Chinese name, in characters (``_VALID_HAN``).
_MIN_HAN, _MAX_HAN = 2, 20


@numba.njit(cache=True, nogil=True)
def plain_han_kernel(
    offsets: np.ndarray,
    data: np.ndarray,
    null: np.ndarray,
    table: np.ndarray,
    tok_offsets: np.ndarray,
    tok_data: np.ndarray,
    codes: np.ndarray,
) -> None:
    """Status of null, empty and plain Chinese names; RESIDUE for every other row.

    A plain name is 2-20 ideographs of ``table`` and not a missing-value placeholder
    (未知): NFKC, trimming, punctuation removal and OpenCC all leave it as it is, so it
    is its own canonical form, valid.
    """
    for i in range(null.size):
        start, end = offsets[i], offsets[i + 1]
        code = RESIDUE
        if null[i] or start == end:
            code = CODE_MISSING
        elif _plain_han_length(data, start, end, table) >= _MIN_HAN and not is_token(
            data, start, end, tok_offsets, tok_data
        ):
            code = CODE_VALID
        codes[i] = code


@numba.njit(cache=True, nogil=True)
def _plain_han_length(data: np.ndarray, start: int, end: int, table: np.ndarray) -> int:
    """Characters of a row made of ``table`` ideographs only (at most 20), else -1."""
    if end - start > 3 * _MAX_HAN:
        return -1
    j = start
    while j < end:
        code = cjk_at(data, j, end)
        if code < 0 or not table[code - CJK_LOW]:
            return -1
        j += 3
    return (end - start) // 3


# --- Addresses (attrib.fields.address) -------------------------------------------------

# Printable ASCII that no rule touches: not whitespace, not a separator deleted or a
# dot dropped by the folding rules, not a mask mark.
_KEPT_ASCII = np.array(
    [0x20 < c < 0x7F and chr(c) not in ",;:\"'~.*" for c in range(128)], dtype=np.bool_
)
# First two characters of the municipalities of _MUNICIPALITY, and of 中国.
_MUNICIPALITIES = np.array([[ord(c) for c in m] for m in ("北京", "上海", "天津", "重庆")])
_ZHONG, _GUO = ord("中"), ord("国")
_QU, _XIAN = ord("区"), ord("县")


@numba.njit(cache=True, nogil=True)
def unchanged_address_kernel(
    offsets: np.ndarray,
    data: np.ndarray,
    null: np.ndarray,
    letters: np.ndarray,
    municipal: np.ndarray,
    tok_offsets: np.ndarray,
    tok_data: np.ndarray,
    codes: np.ndarray,
) -> None:
    """Status of null, empty and already canonical valid addresses; RESIDUE otherwise.

    Canonical here: CJK ideographs and ``_KEPT_ASCII`` only (no NFKC, nothing to
    delete or fold), not starting with 中国 or matching ``_MUNICIPALITY``, not a
    missing-value placeholder, and valid (two or more characters, one a letter).
    """
    head = np.zeros(7, dtype=np.int64)
    for i in range(null.size):
        start, end = offsets[i], offsets[i + 1]
        code = RESIDUE
        if null[i] or start == end:
            code = CODE_MISSING
        else:
            # Characters (up to 7 kept for the prefix rules) and letters, or -1.
            count, letter = 0, False
            j = start
            while j < end:
                c = data[j]
                if c < 0x80:
                    if not _KEPT_ASCII[c]:
                        count = -1
                        break
                    letter |= (0x41 <= c <= 0x5A) | (0x61 <= c <= 0x7A)
                    char = np.int64(c)
                    j += 1
                else:
                    char = cjk_at(data, j, end)
                    if char < 0:
                        count = -1
                        break
                    letter |= letters[char - CJK_LOW]
                    j += 3
                if count < 7:
                    head[count] = char
                count += 1
            if (
                count >= 2
                and letter
                and not (head[0] == _ZHONG and head[1] == _GUO)
                and not _municipality(head, count, municipal)
                and not is_token(data, start, end, tok_offsets, tok_data)
            ):
                code = CODE_VALID
        codes[i] = code


@numba.njit(cache=True, nogil=True)
def _municipality(head: np.ndarray, count: int, municipal: np.ndarray) -> bool:
    """Whether the first characters match ``_MUNICIPALITY`` (北京朝阳区...).

    A municipality, then 1-4 ``municipal`` characters followed by 区 or 县 (the
    regex may stop at any of them, so each length is tried).
    """
    named = False
    for k in range(_MUNICIPALITIES.shape[0]):
        named |= head[0] == _MUNICIPALITIES[k, 0] and head[1] == _MUNICIPALITIES[k, 1]
    if not named:
        return False
    for k in range(2, min(count, 6)):
        char = head[k]
        if char < CJK_LOW or char > CJK_HIGH or not municipal[char - CJK_LOW]:
            return False
        if k + 1 < count and (head[k + 1] == _QU or head[k + 1] == _XIAN):
            return True
    return False


# --- E-mail (attrib.fields.email) ------------------------------------------------------

# Byte classes of _VALID, indexed by byte (non-ASCII bytes are in none).
_ATOM_BYTES = np.array(
    [
        c < 0x80 and (chr(c).islower() or chr(c).isdigit() or chr(c) in "!#$%&'+/=?^_`{|}~-")
        for c in range(256)
    ],
    dtype=np.bool_,
)
_LABEL_BYTES = np.array(
    [c < 0x80 and (chr(c).islower() or chr(c).isdigit() or c == 0x2D) for c in range(256)],
    dtype=np.bool_,
)


@numba.njit(cache=True, nogil=True)
def canonical_email_kernel(
    offsets: np.ndarray, data: np.ndarray, null: np.ndarray, codes: np.ndarray
) -> None:
    """Status of null, empty and canonical valid addresses; RESIDUE for the others.

    Canonical: the row matches ``_VALID`` as it is, so it is printable ASCII in lower
    case without surrounding whitespace and NFKC, trimming and lower-casing leave it
    alone; and it is not masked (``*`` is no atom character).
    """
    for i in range(null.size):
        start, end = offsets[i], offsets[i + 1]
        if null[i] or start == end:
            codes[i] = CODE_MISSING
        elif _is_valid_email(data, start, end):
            codes[i] = CODE_VALID
        else:
            codes[i] = RESIDUE


@numba.njit(cache=True, nogil=True)
def _is_valid_email(data: np.ndarray, start: int, end: int) -> bool:
    """Whether ``data[start:end]`` matches ``_VALID``.

    Local part: atoms separated by single dots. Domain: labels (alphanumeric at both
    ends, hyphens inside) separated by dots, at least two, the last of two or more
    lower-case letters.
    """
    j = start
    previous = _DOT  # a dot may neither start the local part nor follow a dot
    while j < end and data[j] != _AT:
        c = data[j]
        if c == _DOT:
            if previous == _DOT:
                return False
        elif not _ATOM_BYTES[c]:
            return False
        previous = c
        j += 1
    if j == end or previous == _DOT:
        return False
    labels = 0
    label_start = j + 1
    letters_only = True
    for k in range(j + 1, end + 1):
        c = data[k] if k < end else _DOT
        if c == _DOT:
            if k == label_start or data[label_start] == _HYPHEN or data[k - 1] == _HYPHEN:
                return False
            labels += 1
            if k < end:
                label_start = k + 1
                letters_only = True
        elif _LABEL_BYTES[c]:
            letters_only &= c >= 0x61
        else:
            return False
    return labels >= 2 and letters_only and end - label_start >= 2
